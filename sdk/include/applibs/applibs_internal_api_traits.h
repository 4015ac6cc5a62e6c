/// \file applibs_internal_api_traits.h
/// \brief Macros that mark applibs functions and values as deprecated or obsolete.
///
/// sphere-emu SDK: same macro names and opt-outs as the Azure Sphere SDK
/// (_AZSPHERE_USE_DEPRECATED_API / _AZSPHERE_USE_OBSOLETE_API silence them).
#pragma once

/// Marks a function or value as deprecated in favour of _Replacement. It still works.
#ifndef _AZSPHERE_DEPRECATED_BY
#ifndef _AZSPHERE_USE_DEPRECATED_API
#define _AZSPHERE_DEPRECATED_BY(_Replacement) \
    __attribute__((deprecated("Deprecated; use '" #_Replacement "' instead.")))
#else
#define _AZSPHERE_DEPRECATED_BY(_Replacement)
#endif
#endif

/// Marks a function or value as obsolete: using it is a compile error.
#ifndef _AZSPHERE_OBSOLETED_BY
#ifndef _AZSPHERE_USE_OBSOLETE_API
#define _AZSPHERE_OBSOLETED_BY(_Replacement) \
    __attribute__((error("Obsolete; use '" #_Replacement "' instead.")))
#else
#define _AZSPHERE_OBSOLETED_BY(_Replacement)
#endif
#endif
