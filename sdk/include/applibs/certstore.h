/// \file certstore.h
/// \brief The device certificate store: install, list, move and delete certificates (for
/// EAP-TLS Wi-Fi and TLS). Needs the CertStore capability.
///
/// sphere-emu SDK: same names, types and signatures as the Azure Sphere applibs header
/// (reference §6 "certstore.h"). NOT EMULATED YET: every function checks its arguments
/// (EFAULT for NULL pointers) and then fails with ENOSYS through the "applibs" import
/// applibs_unimplemented, which lets the emulator trace which API the app wanted.
#pragma once

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#ifndef CERTSTORE_STRUCTS_VERSION
#define CERTSTORE_STRUCTS_VERSION 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>Longest certificate identifier, without the NUL (identifiers use
/// [A-Za-z0-9._-]).</summary>
#define CERTSTORE_MAX_IDENTIFIER_LENGTH 16
/// <summary>Largest certificate, in bytes.</summary>
#define CERTSTORE_MAX_CERT_SIZE 8192
/// <summary>Longest subject name, without the NUL.</summary>
#define CERTSTORE_SUBJECTNAME_MAX_LENGTH 300
/// <summary>Longest issuer name, without the NUL.</summary>
#define CERTSTORE_ISSUERNAME_MAX_LENGTH 300

/// <summary>A certificate identifier, NUL-terminated.</summary>
typedef struct CertStore_Identifier {
    char identifier[CERTSTORE_MAX_IDENTIFIER_LENGTH + 1];
} CertStore_Identifier;

/// <summary>A certificate's subject name, NUL-terminated.</summary>
typedef struct CertStore_SubjectName {
    char name[CERTSTORE_SUBJECTNAME_MAX_LENGTH + 1];
} CertStore_SubjectName;

/// <summary>A certificate's issuer name, NUL-terminated.</summary>
typedef struct CertStore_IssuerName {
    char name[CERTSTORE_ISSUERNAME_MAX_LENGTH + 1];
} CertStore_IssuerName;

/// <summary>Installs a client certificate (PEM) with its private key (PEM, optionally
/// encrypted with privateKeyPassword).</summary>
int CertStore_InstallClientCertificate(const char *identifier, const char *certBlob,
                                       size_t certBlobLength, const char *privateKeyBlob,
                                       size_t privateKeyBlobLength,
                                       const char *privateKeyPassword);

/// <summary>Installs a root CA certificate (PEM).</summary>
int CertStore_InstallRootCACertificate(const char *identifier, const char *certBlob,
                                       size_t certBlobLength);

/// <summary>Returns the number of installed certificates, or -1 with errno.</summary>
ssize_t CertStore_GetCertificateCount(void);

/// <summary>Gets the identifier of the certificate at <paramref name="index"/>.</summary>
int CertStore_GetCertificateIdentifierAt(size_t index, CertStore_Identifier *outIdentifier);

/// <summary>Returns the free space of the store in bytes, or -1 with errno.</summary>
ssize_t CertStore_GetAvailableSpace(void);

/// <summary>Deletes a certificate.</summary>
int CertStore_DeleteCertificate(const char *identifier);

/// <summary>Renames a certificate (replacing any certificate with the new identifier).
/// </summary>
int CertStore_MoveCertificate(const char *sourceIdentifier, const char *destIdentifier);

/// <summary>Gets a certificate's subject name.</summary>
int CertStore_GetCertificateSubjectName(const char *identifier,
                                        struct CertStore_SubjectName *outSubjectName);

/// <summary>Gets a certificate's issuer name.</summary>
int CertStore_GetCertificateIssuerName(const char *identifier,
                                       struct CertStore_IssuerName *outIssuerName);

/// <summary>Gets the start of a certificate's validity period (UTC).</summary>
int CertStore_GetCertificateNotBefore(const char *identifier, struct tm *outNotBefore);

/// <summary>Gets the end of a certificate's validity period (UTC).</summary>
int CertStore_GetCertificateNotAfter(const char *identifier, struct tm *outNotAfter);

#ifdef __cplusplus
}
#endif
