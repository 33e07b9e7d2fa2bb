"""Pure SCORM rules.

Nothing in this package imports Django or talks to the network: values in, values out.
The one exception is :mod:`scormlms.scorm.package`, which streams archive entries to a
folder the caller names.
"""
