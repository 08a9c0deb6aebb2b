"""legrsi: leg-by-leg reactive strength (contact, flight, RSI) from slow-motion video."""

from .analyze import analyze_video
from .types import Analysis, Event, FootSignal, LegrsiError, Rep, VideoInfo

__all__ = ["analyze_video", "Analysis", "Event", "FootSignal", "LegrsiError", "Rep", "VideoInfo"]
__version__ = "0.1.0"
