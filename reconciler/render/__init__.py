"""Plan renderers: text (terminal), later markdown and json."""
