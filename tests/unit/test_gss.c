/* lib/gss.c, in a statically linked build: GSSAPI is not loaded until
 * libgit2 calls it, then each call is MIT Kerberos's own, and the name
 * type spiral gives (GSS_C_NT_HOSTBASED_SERVICE) is one Kerberos takes. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

typedef uint32_t OM_uint32;
typedef struct {
	size_t length;
	void *value;
} buffer_desc;

OM_uint32 gss_indicate_mechs(OM_uint32 *minor, void **mech_set);
OM_uint32 gss_release_oid_set(OM_uint32 *minor, void **set);
OM_uint32 gss_import_name(OM_uint32 *minor, void *name_buffer, void *name_type,
			  void **output_name);
OM_uint32 gss_release_name(OM_uint32 *minor, void **name);
extern void *GSS_C_NT_HOSTBASED_SERVICE;

static void test_loaded_when_called(void **state)
{
	OM_uint32 minor = 7;
	void *set = NULL, *name = NULL, *probe;
	char service[] = "HTTP@hub.example.org";
	buffer_desc b = {sizeof(service) - 1, service};

	(void)state;
	probe = dlopen("libgssapi_krb5.so.2", RTLD_NOW | RTLD_NOLOAD);
	assert_null(probe); /* not loaded at start */
	if (!(probe = dlopen("libgssapi_krb5.so.2", RTLD_NOW | RTLD_LOCAL)))
		skip(); /* no Kerberos on this machine: calls fail, see gss.c */
	dlclose(probe);
	assert_int_equal(gss_indicate_mechs(&minor, &set), 0);
	assert_non_null(set);
	assert_int_equal(gss_release_oid_set(&minor, &set), 0);
	assert_int_equal(gss_import_name(&minor, &b, GSS_C_NT_HOSTBASED_SERVICE, &name), 0);
	assert_non_null(name);
	assert_int_equal(gss_release_name(&minor, &name), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loaded_when_called),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
