"""The SOP core: pure domain rules. No IO, no Textual; time is always passed in."""
