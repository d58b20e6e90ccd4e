// Debian installs OpenJPEG under a versioned include folder.
#include <openjpeg-2.5/openjpeg.h>
