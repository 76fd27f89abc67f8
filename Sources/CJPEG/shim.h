// libjpeg (libjpeg-turbo on Debian), found through pkg-config (`libjpeg`). jpeglib.h uses FILE and
// size_t without including their headers, hence the two includes first.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
