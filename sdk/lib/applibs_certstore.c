// applibs certstore.h for sphere-emu: not emulated yet. Each function checks its pointer
// arguments (EFAULT), then fails with ENOSYS through applibs_unimplemented, which lets the
// emulator trace which API the app wanted.
#include <applibs/certstore.h>

#include <errno.h>
#include <stddef.h>

#include "abi.h"

#define REQUIRE(p)                        \
    do {                                  \
        if ((p) == NULL) {                \
            return applibs_fail(EFAULT);  \
        }                                 \
    } while (0)

int CertStore_InstallClientCertificate(const char *identifier, const char *certBlob,
                                       size_t certBlobLength, const char *privateKeyBlob,
                                       size_t privateKeyBlobLength,
                                       const char *privateKeyPassword)
{
    (void)certBlobLength;
    (void)privateKeyBlobLength;
    (void)privateKeyPassword;  // may be NULL (unencrypted key)
    REQUIRE(identifier);
    REQUIRE(certBlob);
    REQUIRE(privateKeyBlob);
    return APPLIBS_UNIMPLEMENTED("CertStore_InstallClientCertificate");
}

int CertStore_InstallRootCACertificate(const char *identifier, const char *certBlob,
                                       size_t certBlobLength)
{
    (void)certBlobLength;
    REQUIRE(identifier);
    REQUIRE(certBlob);
    return APPLIBS_UNIMPLEMENTED("CertStore_InstallRootCACertificate");
}

ssize_t CertStore_GetCertificateCount(void)
{
    return APPLIBS_UNIMPLEMENTED("CertStore_GetCertificateCount");
}

int CertStore_GetCertificateIdentifierAt(size_t index, CertStore_Identifier *outIdentifier)
{
    (void)index;
    REQUIRE(outIdentifier);
    return APPLIBS_UNIMPLEMENTED("CertStore_GetCertificateIdentifierAt");
}

ssize_t CertStore_GetAvailableSpace(void)
{
    return APPLIBS_UNIMPLEMENTED("CertStore_GetAvailableSpace");
}

int CertStore_DeleteCertificate(const char *identifier)
{
    REQUIRE(identifier);
    return APPLIBS_UNIMPLEMENTED("CertStore_DeleteCertificate");
}

int CertStore_MoveCertificate(const char *sourceIdentifier, const char *destIdentifier)
{
    REQUIRE(sourceIdentifier);
    REQUIRE(destIdentifier);
    return APPLIBS_UNIMPLEMENTED("CertStore_MoveCertificate");
}

int CertStore_GetCertificateSubjectName(const char *identifier,
                                        struct CertStore_SubjectName *outSubjectName)
{
    REQUIRE(identifier);
    REQUIRE(outSubjectName);
    return APPLIBS_UNIMPLEMENTED("CertStore_GetCertificateSubjectName");
}

int CertStore_GetCertificateIssuerName(const char *identifier,
                                       struct CertStore_IssuerName *outIssuerName)
{
    REQUIRE(identifier);
    REQUIRE(outIssuerName);
    return APPLIBS_UNIMPLEMENTED("CertStore_GetCertificateIssuerName");
}

int CertStore_GetCertificateNotBefore(const char *identifier, struct tm *outNotBefore)
{
    REQUIRE(identifier);
    REQUIRE(outNotBefore);
    return APPLIBS_UNIMPLEMENTED("CertStore_GetCertificateNotBefore");
}

int CertStore_GetCertificateNotAfter(const char *identifier, struct tm *outNotAfter)
{
    REQUIRE(identifier);
    REQUIRE(outNotAfter);
    return APPLIBS_UNIMPLEMENTED("CertStore_GetCertificateNotAfter");
}
