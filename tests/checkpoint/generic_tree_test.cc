#include "testing/test_util.h"
