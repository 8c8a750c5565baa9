/* GSSAPI (Kerberos) for a statically linked libgit2, loaded when used.
 *
 * libgit2 answers an HTTPS server that asks for Negotiate with GSSAPI.
 * Kerberos has no static library, and loading it and the six libraries it
 * brings would cost every command, for a transfer that hardly any school's
 * server asks for.  Built only with SPIRAL_STATIC_GIT (meson.build): these
 * are the GSSAPI functions libgit2 calls, each loading MIT Kerberos's
 * libgssapi_krb5 the first time one is called and calling its own; without
 * it, each fails as GSSAPI fails (GSS_S_FAILURE), and libgit2 says that
 * Negotiate failed.  The types are GSSAPI's (RFC 2744): a status is 32
 * bits, everything else passed by pointer. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

typedef uint32_t OM_uint32;

#define GSS_S_FAILURE (13u << 16)

typedef struct {
	OM_uint32 length;
	void *elements;
} gss_oid_desc;

/* GSS_C_NT_HOSTBASED_SERVICE, {1 2 840 113554 1 2 1 4} (RFC 2744, 4.1):
 * GSSAPI compares a name type by its bytes, not where it is kept. */
static gss_oid_desc hostbased = {
	10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"};
extern void *GSS_C_NT_HOSTBASED_SERVICE;
void *GSS_C_NT_HOSTBASED_SERVICE = &hostbased;

static void *gss_lib;
static pthread_once_t gss_once = PTHREAD_ONCE_INIT;

static void gss_load(void)
{
	gss_lib = dlopen("libgssapi_krb5.so.2", RTLD_NOW | RTLD_LOCAL);
}

/* The library's function name, or NULL (and *minor 0). */
static void *gss_real(const char *name, OM_uint32 *minor)
{
	pthread_once(&gss_once, gss_load);
	if (minor)
		*minor = 0;
	return gss_lib ? dlsym(gss_lib, name) : NULL;
}

/* Calls the library's name, whose parameters are params, with the rest. */
#define GSS_CALL(name, params, ...)                                    \
	do {                                                           \
		OM_uint32 (*real_) params = NULL;                      \
		void *sym_ = gss_real(#name, minor);                   \
		memcpy(&real_, &sym_, sizeof(real_));                  \
		return real_ ? real_(__VA_ARGS__) : GSS_S_FAILURE;     \
	} while (0)

OM_uint32 gss_import_name(OM_uint32 *minor, void *name_buffer, void *name_type,
			  void **output_name);
OM_uint32 gss_import_name(OM_uint32 *minor, void *name_buffer, void *name_type,
			  void **output_name)
{
	GSS_CALL(gss_import_name, (OM_uint32 *, void *, void *, void **),
		 minor, name_buffer, name_type, output_name);
}

OM_uint32 gss_init_sec_context(OM_uint32 *minor, void *cred, void **context,
			       void *target, void *mech, OM_uint32 req_flags,
			       OM_uint32 time_req, void *bindings, void *input,
			       void **actual_mech, void *output, OM_uint32 *ret_flags,
			       OM_uint32 *time_rec);
OM_uint32 gss_init_sec_context(OM_uint32 *minor, void *cred, void **context,
			       void *target, void *mech, OM_uint32 req_flags,
			       OM_uint32 time_req, void *bindings, void *input,
			       void **actual_mech, void *output, OM_uint32 *ret_flags,
			       OM_uint32 *time_rec)
{
	GSS_CALL(gss_init_sec_context,
		 (OM_uint32 *, void *, void **, void *, void *, OM_uint32,
			       OM_uint32, void *, void *, void **, void *, OM_uint32 *,
			       OM_uint32 *),
		 minor, cred, context, target, mech, req_flags, time_req, bindings, input,
		 actual_mech, output, ret_flags, time_rec);
}

OM_uint32 gss_delete_sec_context(OM_uint32 *minor, void **context, void *output);
OM_uint32 gss_delete_sec_context(OM_uint32 *minor, void **context, void *output)
{
	GSS_CALL(gss_delete_sec_context, (OM_uint32 *, void **, void *),
		 minor, context, output);
}

OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status, int status_type,
			     void *mech, OM_uint32 *message_context, void *string);
OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status, int status_type,
			     void *mech, OM_uint32 *message_context, void *string)
{
	GSS_CALL(gss_display_status,
		 (OM_uint32 *, OM_uint32, int, void *, OM_uint32 *, void *),
		 minor, status, status_type, mech, message_context, string);
}

OM_uint32 gss_indicate_mechs(OM_uint32 *minor, void **mech_set);
OM_uint32 gss_indicate_mechs(OM_uint32 *minor, void **mech_set)
{
	GSS_CALL(gss_indicate_mechs, (OM_uint32 *, void **), minor,
		 mech_set);
}

OM_uint32 gss_release_buffer(OM_uint32 *minor, void *buffer);
OM_uint32 gss_release_buffer(OM_uint32 *minor, void *buffer)
{
	GSS_CALL(gss_release_buffer, (OM_uint32 *, void *), minor, buffer);
}

OM_uint32 gss_release_name(OM_uint32 *minor, void **name);
OM_uint32 gss_release_name(OM_uint32 *minor, void **name)
{
	GSS_CALL(gss_release_name, (OM_uint32 *, void **), minor, name);
}

OM_uint32 gss_release_oid_set(OM_uint32 *minor, void **set);
OM_uint32 gss_release_oid_set(OM_uint32 *minor, void **set)
{
	GSS_CALL(gss_release_oid_set, (OM_uint32 *, void **), minor, set);
}
