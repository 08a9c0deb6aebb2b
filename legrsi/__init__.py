"""legrsi: leg-by-leg reactive strength (contact, flight, RSI) from slow-motion video."""

from .types import Analysis, Event, FootSignal, LegrsiError, Rep, VideoInfo

__all__ = ["Analysis", "Event", "FootSignal", "LegrsiError", "Rep", "VideoInfo"]
__version__ = "0.1.0"
