// applibs storage.h for sphere-emu. The mutable file is a host descriptor (read, write, lseek
// and close go through WASI). Package files are opened with open() under the package root,
// which the host serves as a read-only WASI preopened directory named exactly like the root
// path that storage_package_root returns.
#include <applibs/storage.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"

int Storage_OpenMutableFile(void)
{
    return applibs_result(__applibs_storage_open_mutable());
}

int Storage_DeleteMutableFile(void)
{
    return applibs_result(__applibs_storage_delete_mutable());
}

// Rejects relative paths that could leave the package or name it ambiguously.
static int check_relative_path(const char *relativePath)
{
    if (relativePath == NULL) {
        return EFAULT;
    }
    if (relativePath[0] == '\0' || relativePath[0] == '/' || relativePath[0] == '.' ||
        strstr(relativePath, "..") != NULL) {
        return EINVAL;
    }
    return 0;
}

char *Storage_GetAbsolutePathInImagePackage(const char *relativePath)
{
    int e = check_relative_path(relativePath);
    if (e != 0) {
        return applibs_fail_null(e);
    }
    char small[128];
    int32_t n = __applibs_storage_package_root(small, sizeof small);
    if (n < 0) {
        return applibs_fail_null((int)-n);
    }
    size_t rootLen = (size_t)n;
    size_t relLen = strlen(relativePath);
    char *path = malloc(rootLen + 1 + relLen + 1);
    if (path == NULL) {
        return NULL;  // errno ENOMEM
    }
    if (rootLen <= sizeof small) {
        memcpy(path, small, rootLen);
    } else {
        // Too long for the first buffer: the host wrote nothing; ask again with room for it.
        int32_t m = __applibs_storage_package_root(path, (uint32_t)rootLen);
        if (m != n) {
            free(path);
            return applibs_fail_null(m < 0 ? (int)-m : EIO);
        }
    }
    path[rootLen] = '/';
    memcpy(path + rootLen + 1, relativePath, relLen + 1);
    return path;
}

int Storage_OpenFileInImagePackage(const char *relativePath)
{
    char *path = Storage_GetAbsolutePathInImagePackage(relativePath);
    if (path == NULL) {
        return -1;
    }
    int fd = open(path, O_RDONLY);
    int saved = errno;
    free(path);
    errno = saved;
    return fd;
}
