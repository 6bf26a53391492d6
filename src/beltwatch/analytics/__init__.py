"""GEO-belt analytics: belt status from Earth-fixed longitudes, and its plots."""

from beltwatch.analytics._belt import BeltTrack, belt_summary, belt_tracks
from beltwatch.analytics._plots import belt_longitude_time_figure

__all__ = ["BeltTrack", "belt_longitude_time_figure", "belt_summary", "belt_tracks"]
