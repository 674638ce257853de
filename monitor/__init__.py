"""monitor: a news-monitoring daemon for the conflict in Libya.

The pipeline, one stage a module or package, arrows pointing one way:

    sources -> normalize -> dedup -> tag -> store -> alert

`monitor.pipeline.Pipeline` runs an entry through every stage; `monitor.replay` and the command
line (`monitor.cli`) drive it.
"""

__version__ = "0.1.0"
