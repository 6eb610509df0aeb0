"""The HTTP intake API: applicants from careers pages, job boards and ATS webhooks."""
