"""The demo world of the seed (晋城市人民防空办公室): its data file and builder."""
