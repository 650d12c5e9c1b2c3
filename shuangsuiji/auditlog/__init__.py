"""The audit log as its readers see it (page and API): actions by their labels, objects by
their names, linked where the reader may open them. The chain itself is core.audit."""
