/// \file storage.h
/// \brief The app's storage: read-only files in its image package, and one mutable file that
/// survives restarts, reboots and app updates (size limited by the MutableStorage capability's
/// SizeKB).
///
/// sphere-emu SDK: same names and signatures as the Azure Sphere applibs header (reference §6
/// "storage.h"). The mutable file comes from the "applibs" imports storage_open_mutable /
/// storage_delete_mutable; package files are opened with open() under the package root, which
/// the emulator serves as a read-only WASI preopened directory (docs/abi.md).
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>
///     Opens the app's mutable storage file for reading and writing, creating it (empty) if it
///     does not exist. The file offset starts at 0. Use read, write, lseek, close.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EACCES: the manifest has no MutableStorage capability (or its SizeKB is 0).</para>
///     <para>EIO: the storage could not be accessed.</para>
///     Writing beyond SizeKB fails with ENOSPC.
/// </summary>
/// <returns>A descriptor, or -1 on failure.</returns>
int Storage_OpenMutableFile(void);

/// <summary>
///     Deletes the app's mutable storage file. Descriptors still open on it keep working on
///     the deleted contents; the next <see cref="Storage_OpenMutableFile"/> starts empty.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EACCES: the manifest has no MutableStorage capability.</para>
///     <para>ENOENT: there is no mutable file.</para>
///     <para>EIO: the storage could not be accessed.</para>
/// </summary>
int Storage_DeleteMutableFile(void);

/// <summary>
///     Opens a file of the app's image package for reading only.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: as <see cref="Storage_GetAbsolutePathInImagePackage"/>, and
///     as open() (ENOENT no such file, ...).
/// </summary>
/// <param name="relativePath">Path of the file relative to the package root, for example
///     "resources/hello.txt".</param>
/// <returns>A read-only descriptor, or -1 on failure.</returns>
int Storage_OpenFileInImagePackage(const char *relativePath);

/// <summary>
///     Returns the absolute path of a file of the image package (the package root, for
///     example "/mnt/apps/&lt;component id&gt;", then "/" and relativePath). The file need not
///     exist. Free the result with free().
///     <para> **Errors** </para>
///     Returns NULL and sets errno:
///     <para>EFAULT: <paramref name="relativePath"/> is NULL.</para>
///     <para>EINVAL: <paramref name="relativePath"/> is empty, starts with '/' or '.', or
///     contains "..".</para>
///     <para>ENOMEM: out of memory.</para>
/// </summary>
char *Storage_GetAbsolutePathInImagePackage(const char *relativePath);

#ifdef __cplusplus
}
#endif
