"""Cards: the order catalogue and rendering recommendations as CDS Hooks cards."""
