/// Tessera's version: `tessera --version`, and Software Versions in the DICOM objects it writes.
public let tesseraVersion = "0.6.0"
