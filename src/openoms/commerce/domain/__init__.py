"""The retail business's pure logic: no I/O, no clock, no database."""
