/// \file deviceauth.h
/// \brief sphere-emu convenience alias: the Azure Sphere SDK ships this API as
/// <tlsutils/deviceauth.h>; include that. This header only forwards to it.
#pragma once

#include <tlsutils/deviceauth.h>
