"""The deterministic sample data: a fictitious fine-chemicals maker and its key accounts.

``generate_sample`` builds every table of the data model in memory;
``export_sample`` writes them as CSV or Parquet files or one Excel workbook
(``kamreport sample``). The ``wholesale`` profile
(:mod:`kamreport.sample.wholesale`, ``kamreport sample --profile wholesale``) is a
distributor's minimal export instead: accounts with an id and a country, and
invoice lines. ``PLANTED`` lists the accounts with a planted story
and ``STORY_DESCRIPTIONS`` says how each story is planted.
"""

from kamreport.sample.export import export_sample
from kamreport.sample.generator import generate_sample
from kamreport.sample.stories import PLANTED, STORY_DESCRIPTIONS

__all__ = ["PLANTED", "STORY_DESCRIPTIONS", "export_sample", "generate_sample"]
