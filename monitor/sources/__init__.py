"""Sources: turn files and documents into `Entry` values, one per report.

Every reader yields `Entry | InputError` in input order instead of raising, so one bad file or
line is reported and the rest of the input is still read.
"""

from monitor.sources.feed import read_feed
from monitor.sources.files import InputFile, Skipped, discover, read_input
from monitor.sources.jsonl import read_jsonl
from monitor.sources.text import read_text

__all__ = ["InputFile", "Skipped", "discover", "read_feed", "read_input", "read_jsonl", "read_text"]
