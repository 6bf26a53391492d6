"""Keywords of each CCSDS message kind, by block (CCSDS 502.0-B-3, 503.0-B-2, 508.0-B-1).

Each block is named as in the NDM/XML schemas, so one table drives both the
flat KVN layout and the nested XML one, and an unknown keyword is an error
naming its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _n(prefix: str, count: int = 5, suffix: str = "") -> tuple[str, ...]:
    return tuple(f"{prefix}{i}{suffix}" for i in range(1, count + 1))


HEADER = ("COMMENT", "CLASSIFICATION", "CREATION_DATE", "ORIGINATOR", "MESSAGE_ID")

# Lower triangle, row by row: the order of KVN covariance rows and of XML elements.
CARTESIAN_COVARIANCE = (
    "CX_X",
    "CY_X",
    "CY_Y",
    "CZ_X",
    "CZ_Y",
    "CZ_Z",
    "CX_DOT_X",
    "CX_DOT_Y",
    "CX_DOT_Z",
    "CX_DOT_X_DOT",
    "CY_DOT_X",
    "CY_DOT_Y",
    "CY_DOT_Z",
    "CY_DOT_X_DOT",
    "CY_DOT_Y_DOT",
    "CZ_DOT_X",
    "CZ_DOT_Y",
    "CZ_DOT_Z",
    "CZ_DOT_X_DOT",
    "CZ_DOT_Y_DOT",
    "CZ_DOT_Z_DOT",
)

_RTN_AXES = ("R", "T", "N", "RDOT", "TDOT", "NDOT", "DRG", "SRP", "THR")
RTN_COVARIANCE = tuple(
    f"C{_RTN_AXES[i]}_{_RTN_AXES[j]}" for i in range(len(_RTN_AXES)) for j in range(i + 1)
)
RTN_COVARIANCE_6 = RTN_COVARIANCE[:21]

TDM_METADATA = (
    "COMMENT",
    "TRACK_ID",
    "DATA_TYPES",
    "TIME_SYSTEM",
    "START_TIME",
    "STOP_TIME",
    *_n("PARTICIPANT_"),
    "MODE",
    "PATH",
    "PATH_1",
    "PATH_2",
    *_n("EPHEMERIS_NAME_"),
    "TRANSMIT_BAND",
    "RECEIVE_BAND",
    "TURNAROUND_NUMERATOR",
    "TURNAROUND_DENOMINATOR",
    "TIMETAG_REF",
    "INTEGRATION_INTERVAL",
    "INTEGRATION_REF",
    "FREQ_OFFSET",
    "RANGE_MODE",
    "RANGE_MODULUS",
    "RANGE_UNITS",
    "ANGLE_TYPE",
    "REFERENCE_FRAME",
    "INTERPOLATION",
    "INTERPOLATION_DEGREE",
    "DOPPLER_COUNT_BIAS",
    "DOPPLER_COUNT_SCALE",
    "DOPPLER_COUNT_ROLLOVER",
    *_n("TRANSMIT_DELAY_"),
    *_n("RECEIVE_DELAY_"),
    "DATA_QUALITY",
    "CORRECTION_ANGLE_1",
    "CORRECTION_ANGLE_2",
    "CORRECTION_DOPPLER",
    "CORRECTION_MAG",
    "CORRECTION_RANGE",
    "CORRECTION_RCS",
    "CORRECTION_RECEIVE",
    "CORRECTION_TRANSMIT",
    "CORRECTION_ABERRATION_YEARLY",
    "CORRECTION_ABERRATION_DIURNAL",
    "CORRECTIONS_APPLIED",
)

TDM_OBSERVABLES = (
    "ANGLE_1",
    "ANGLE_2",
    "CARRIER_POWER",
    "CLOCK_BIAS",
    "CLOCK_DRIFT",
    "DOPPLER_COUNT",
    "DOPPLER_INSTANTANEOUS",
    "DOPPLER_INTEGRATED",
    "DOR",
    "MAG",
    "PC_N0",
    "PR_N0",
    "PRESSURE",
    "RANGE",
    "RCS",
    "RECEIVE_FREQ",
    *_n("RECEIVE_FREQ_"),
    *_n("RECEIVE_PHASE_CT_"),
    "RHUMIDITY",
    "STEC",
    "TEMPERATURE",
    *_n("TRANSMIT_FREQ_"),
    *_n("TRANSMIT_FREQ_RATE_"),
    *_n("TRANSMIT_PHASE_CT_"),
    "TROPO_DRY",
    "TROPO_WET",
    "VLBI_DELAY",
)

ODM_METADATA = (
    "COMMENT",
    "OBJECT_NAME",
    "OBJECT_ID",
    "CENTER_NAME",
    "REF_FRAME",
    "REF_FRAME_EPOCH",
    "TIME_SYSTEM",
)
OEM_METADATA = (
    *ODM_METADATA,
    "START_TIME",
    "USEABLE_START_TIME",
    "USEABLE_STOP_TIME",
    "STOP_TIME",
    "INTERPOLATION",
    "INTERPOLATION_DEGREE",
)
OMM_METADATA = (*ODM_METADATA, "MEAN_ELEMENT_THEORY")

STATE_VECTOR = ("EPOCH", "X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
OEM_STATE = (*STATE_VECTOR, "X_DDOT", "Y_DDOT", "Z_DDOT")
SPACECRAFT = ("MASS", "SOLAR_RAD_AREA", "SOLAR_RAD_COEFF", "DRAG_AREA", "DRAG_COEFF")
COVARIANCE = ("COV_REF_FRAME", *CARTESIAN_COVARIANCE)

OPM_DATA = {
    "stateVector": STATE_VECTOR,
    "keplerianElements": (
        "SEMI_MAJOR_AXIS",
        "ECCENTRICITY",
        "INCLINATION",
        "RA_OF_ASC_NODE",
        "ARG_OF_PERICENTER",
        "TRUE_ANOMALY",
        "MEAN_ANOMALY",
        "GM",
    ),
    "spacecraftParameters": SPACECRAFT,
    "covarianceMatrix": COVARIANCE,
    "maneuverParameters": (
        "MAN_EPOCH_IGNITION",
        "MAN_DURATION",
        "MAN_DELTA_MASS",
        "MAN_REF_FRAME",
        "MAN_DV_1",
        "MAN_DV_2",
        "MAN_DV_3",
    ),
}

OMM_DATA = {
    "meanElements": (
        "EPOCH",
        "SEMI_MAJOR_AXIS",
        "MEAN_MOTION",
        "ECCENTRICITY",
        "INCLINATION",
        "RA_OF_ASC_NODE",
        "ARG_OF_PERICENTER",
        "MEAN_ANOMALY",
        "GM",
    ),
    "spacecraftParameters": SPACECRAFT,
    "tleParameters": (
        "EPHEMERIS_TYPE",
        "CLASSIFICATION_TYPE",
        "NORAD_CAT_ID",
        "ELEMENT_SET_NO",
        "REV_AT_EPOCH",
        "BSTAR",
        "BTERM",
        "MEAN_MOTION_DOT",
        "MEAN_MOTION_DDOT",
        "AGOM",
    ),
    "covarianceMatrix": COVARIANCE,
}

CDM_HEADER = (*HEADER, "MESSAGE_FOR")
CDM_RELATIVE = (
    "COMMENT",
    "TCA",
    "MISS_DISTANCE",
    "RELATIVE_SPEED",
    "START_SCREEN_PERIOD",
    "STOP_SCREEN_PERIOD",
    "SCREEN_VOLUME_FRAME",
    "SCREEN_VOLUME_SHAPE",
    "SCREEN_VOLUME_X",
    "SCREEN_VOLUME_Y",
    "SCREEN_VOLUME_Z",
    "SCREEN_ENTRY_TIME",
    "SCREEN_EXIT_TIME",
    "COLLISION_PROBABILITY",
    "COLLISION_PROBABILITY_METHOD",
)
CDM_RELATIVE_STATE = (
    "RELATIVE_POSITION_R",
    "RELATIVE_POSITION_T",
    "RELATIVE_POSITION_N",
    "RELATIVE_VELOCITY_R",
    "RELATIVE_VELOCITY_T",
    "RELATIVE_VELOCITY_N",
)
CDM_METADATA = (
    "COMMENT",
    "OBJECT",
    "OBJECT_DESIGNATOR",
    "CATALOG_NAME",
    "OBJECT_NAME",
    "INTERNATIONAL_DESIGNATOR",
    "OBJECT_TYPE",
    "OPERATOR_CONTACT_POSITION",
    "OPERATOR_ORGANIZATION",
    "OPERATOR_PHONE",
    "OPERATOR_EMAIL",
    "EPHEMERIS_NAME",
    "COVARIANCE_METHOD",
    "MANEUVERABLE",
    "ORBIT_CENTER",
    "REF_FRAME",
    "GRAVITY_MODEL",
    "ATMOSPHERIC_MODEL",
    "N_BODY_PERTURBATIONS",
    "SOLAR_RAD_PRESSURE",
    "EARTH_TIDES",
    "INTRACK_THRUST",
)
CDM_DATA = {
    "odParameters": (
        "TIME_LASTOB_START",
        "TIME_LASTOB_END",
        "RECOMMENDED_OD_SPAN",
        "ACTUAL_OD_SPAN",
        "OBS_AVAILABLE",
        "OBS_USED",
        "TRACKS_AVAILABLE",
        "TRACKS_USED",
        "RESIDUALS_ACCEPTED",
        "WEIGHTED_RMS",
    ),
    "additionalParameters": (
        "AREA_PC",
        "AREA_DRG",
        "AREA_SRP",
        "MASS",
        "CD_AREA_OVER_MASS",
        "CR_AREA_OVER_MASS",
        "THRUST_ACCELERATION",
        "SEDR",
    ),
    "stateVector": STATE_VECTOR[1:],
    "covarianceMatrix": RTN_COVARIANCE,
}


@dataclass(frozen=True)
class KindSpec:
    """What a message kind may and must contain, block by block."""

    kind: str
    header: tuple[str, ...]
    metadata: tuple[str, ...]
    data: dict[str, tuple[str, ...]] = field(default_factory=dict)
    header_required: tuple[str, ...] = ("CREATION_DATE", "ORIGINATOR")
    metadata_required: tuple[str, ...] = ()
    data_required: tuple[str, ...] = ()
    relative: tuple[str, ...] = ()
    relative_required: tuple[str, ...] = ()
    # A keyword that opens a new segment (CDM) or a new repeated block (OPM maneuvers).
    segment_start: str | None = None
    repeated_block_start: tuple[str, ...] = ()

    @property
    def version_keyword(self) -> str:
        return f"CCSDS_{self.kind}_VERS"

    def data_block_of(self, keyword: str) -> str | None:
        for name, keywords in self.data.items():
            if keyword in keywords:
                return name
        if keyword.startswith("USER_DEFINED_") and self.kind in ("OPM", "OMM"):
            return "userDefinedParameters"
        return None


SPECS = {
    "TDM": KindSpec(
        "TDM",
        HEADER,
        TDM_METADATA,
        metadata_required=("TIME_SYSTEM", "PARTICIPANT_1"),
    ),
    "OEM": KindSpec(
        "OEM",
        HEADER,
        OEM_METADATA,
        {"stateVector": OEM_STATE, "covarianceMatrix": ("EPOCH", *COVARIANCE)},
        metadata_required=(
            "OBJECT_NAME",
            "OBJECT_ID",
            "CENTER_NAME",
            "REF_FRAME",
            "TIME_SYSTEM",
            "START_TIME",
            "STOP_TIME",
        ),
    ),
    "OPM": KindSpec(
        "OPM",
        HEADER,
        ODM_METADATA,
        OPM_DATA,
        metadata_required=("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM"),
        data_required=STATE_VECTOR,
        repeated_block_start=("MAN_EPOCH_IGNITION",),
    ),
    "OMM": KindSpec(
        "OMM",
        HEADER,
        OMM_METADATA,
        OMM_DATA,
        metadata_required=(
            "OBJECT_NAME",
            "OBJECT_ID",
            "CENTER_NAME",
            "REF_FRAME",
            "TIME_SYSTEM",
            "MEAN_ELEMENT_THEORY",
        ),
        data_required=(
            "EPOCH",
            "ECCENTRICITY",
            "INCLINATION",
            "RA_OF_ASC_NODE",
            "ARG_OF_PERICENTER",
            "MEAN_ANOMALY",
        ),
    ),
    "CDM": KindSpec(
        "CDM",
        CDM_HEADER,
        CDM_METADATA,
        CDM_DATA,
        header_required=("CREATION_DATE", "ORIGINATOR", "MESSAGE_ID"),
        metadata_required=(
            "OBJECT",
            "OBJECT_DESIGNATOR",
            "CATALOG_NAME",
            "OBJECT_NAME",
            "INTERNATIONAL_DESIGNATOR",
            "EPHEMERIS_NAME",
            "COVARIANCE_METHOD",
            "MANEUVERABLE",
            "REF_FRAME",
        ),
        data_required=(*STATE_VECTOR[1:], *RTN_COVARIANCE_6),
        relative=(*CDM_RELATIVE, *CDM_RELATIVE_STATE),
        relative_required=("TCA", "MISS_DISTANCE"),
        segment_start="OBJECT",
    ),
}
