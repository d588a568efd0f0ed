"""tipkb: a customer-service tips knowledge base.

The flow, one module per stage: ``importer`` (scraped pages → tip files),
``content`` (load + validate), ``tagger`` and ``phrases`` (structure),
``search`` (index), ``pages`` (generated Markdown), ``build`` (the
orchestrator that runs them in order and hands the pages to MkDocs).
"""

__version__ = "0.1.0"
