"""Read-only queries about pledges: what pages, blocks, emails and the admin show."""
