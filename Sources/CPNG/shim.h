// libpng, found through pkg-config (`libpng`). Swift code reaches it through CJPEGShim; this module
// exists so that the include path and the link line come from the system's pkg-config data.
#include <png.h>
