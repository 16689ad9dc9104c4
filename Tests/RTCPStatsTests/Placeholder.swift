// Tests for this module are added beside the sources they test.
