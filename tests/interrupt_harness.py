"""Run ``legrsi`` (cli.main) with a hook that says when a phase is under way, for
tests/test_interrupt.py: ``python interrupt_harness.py PHASE MARKER legrsi-args...``.

PHASE is where the run is slowed down and MARKER (a file) is created once it is there, so
the test can send its signal at a known moment: ``analysis`` (decoding frames), ``csv`` (the
results file written to its temporary name, not yet renamed) or ``video`` (writing the
annotated video).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main() -> None:
    phase, marker = sys.argv[1], Path(sys.argv[2])

    def arrived() -> None:
        if not marker.exists():
            marker.write_text(phase)

    if phase == "analysis":
        from legrsi import video

        frames = video.FrameReader.__iter__

        def slow_frames(self):  # type: ignore[no-untyped-def]
            for frame in frames(self):
                if not self.keyframes_only and frame.index >= 20:
                    arrived()
                    time.sleep(0.01)
                yield frame

        video.FrameReader.__iter__ = slow_frames  # type: ignore[method-assign]
    elif phase == "csv":
        replace = os.replace

        def slow_replace(src, dst):  # type: ignore[no-untyped-def]
            if str(dst).endswith(".csv"):
                arrived()
                time.sleep(30)
            replace(src, dst)

        os.replace = slow_replace
    elif phase == "video":
        import legrsi.cli  # noqa: F401  (imports every VideoSink subclass)
        from legrsi import video

        def slowed(write):  # type: ignore[no-untyped-def]
            def slow_write(self, image):  # type: ignore[no-untyped-def]
                write(self, image)
                if self.frames_written >= 10:
                    arrived()
                    time.sleep(0.01)
            return slow_write

        for cls in (video.VideoSink, *video.VideoSink.__subclasses__()):
            if "write" in vars(cls):
                cls.write = slowed(cls.write)  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown phase {phase}")
    from legrsi.cli import main as cli_main

    cli_main(sys.argv[3:], prog_name="legrsi")


if __name__ == "__main__":
    main()
