"""Data preparation: UCF101/HMDB51 lists and the synthetic dataset."""
