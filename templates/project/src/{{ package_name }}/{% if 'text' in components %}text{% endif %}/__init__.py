"""Text processing shared by the tracks that use it: tokens and sentences, lexical ranking."""
