"""scormlms: a self-hostable LMS for SCORM 1.2 and SCORM 2004 content."""

__version__ = "0.1.0"
