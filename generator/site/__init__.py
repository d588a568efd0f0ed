"""Site: the page model, every page kind as plain Markdown, and the engine that renders it.

The last stage of the flow: pages are generated from the tagged tips and the taxonomy,
written into build/docs/, and rendered by MkDocs into a site folder that replaces
the old one only when complete (its guard is `outdir`).
"""
