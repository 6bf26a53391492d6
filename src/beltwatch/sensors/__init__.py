"""Host platforms and sensor models (optical, radar), visibility and photometry."""

from beltwatch.sensors._optical import OpticalSensor

__all__ = ["OpticalSensor"]
