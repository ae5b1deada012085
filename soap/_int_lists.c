/* soap._int_lists: the items of an MS-NRBF integer array as a Python list, without a new int object for
 * every item that fits in 16 bits.
 *
 * Why: a method taking a .NET int[] gets a list[int]. CPython makes a new int object for every item above
 * 256 (array.tolist(), struct and int.from_bytes alike) and frees it after the call: for 10,000 items that is
 * most of the server's work for the call, more than the whole HTTP exchange (benchmarks/README.md, "binary
 * int[10000]"). Ints are immutable, so, as CPython itself shares -5..256, this module shares one object per
 * value from -32768 to 65535 (every Int16 and UInt16 value): made the first time the value is seen, kept for
 * the life of the process (at most 98,304 objects, about 3 MiB, and only for values seen). Other values get
 * a new int as before. The table is only touched with the GIL held (no free-threaded build support).
 *
 * Where this module is not built (no C compiler: setup.py marks it optional), soap/_nrbf_records.py uses
 * array.tolist(); tests/soap/test_int_lists.py compares the two.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define SHARED_LOW (-32768)
#define SHARED_HIGH 65536 /* exclusive */

static PyObject *shared[SHARED_HIGH - SHARED_LOW];

/* A new reference to the int ``value``: the shared object when it is in the table's range. */
static PyObject *
shared_int(int64_t value)
{
    if (value >= SHARED_LOW && value < SHARED_HIGH) {
        PyObject **slot = &shared[value - SHARED_LOW];
        if (*slot == NULL) {
            *slot = PyLong_FromLongLong(value);
            if (*slot == NULL) {
                return NULL;
            }
        }
        Py_INCREF(*slot);
        return *slot;
    }
    return PyLong_FromLongLong(value);
}

/* The little-endian item of ``width`` bytes at ``p``, zero-extended: a memcpy on a little-endian host (one
 * load once inlined with a constant width), else assembled byte by byte. */
static inline uint64_t
load_le(const unsigned char *p, size_t width)
{
    uint64_t bits = 0;
#if PY_LITTLE_ENDIAN
    memcpy(&bits, p, width);
#else
    for (size_t i = width; i > 0; i--) {
        bits = (bits << 8) | p[i - 1];
    }
#endif
    return bits;
}

/* Fill ``list`` with ``count`` items of ``type`` from ``p``; 0, or -1 with an exception set. One loop per
 * item type, so each is a plain load and no test of the width or sign per item (the conversion to ``type``
 * gives a signed item its sign). */
#define DEFINE_FILL(name, type)                                                              \
    static int name(PyObject *list, const unsigned char *p, Py_ssize_t count)                \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < count; i++) {                                             \
            type value = (type)load_le(p + i * (Py_ssize_t)sizeof(type), sizeof(type));      \
            PyObject *item = shared_int((int64_t)value);                                     \
            if (item == NULL) {                                                               \
                return -1;                                                                    \
            }                                                                                 \
            PyList_SET_ITEM(list, i, item);                                                   \
        }                                                                                     \
        return 0;                                                                             \
    }

DEFINE_FILL(fill_i16, int16_t)
DEFINE_FILL(fill_u16, uint16_t)
DEFINE_FILL(fill_i32, int32_t)
DEFINE_FILL(fill_u32, uint32_t)
DEFINE_FILL(fill_i64, int64_t)

/* UInt64: values above INT64_MAX do not fit shared_int's argument */
static int
fill_u64(PyObject *list, const unsigned char *p, Py_ssize_t count)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        uint64_t bits = load_le(p + i * 8, 8);
        PyObject *item = bits <= (uint64_t)INT64_MAX ? shared_int((int64_t)bits) : PyLong_FromUnsignedLongLong(bits);
        if (item == NULL) {
            return -1;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return 0;
}

PyDoc_STRVAR(int_list_doc,
"int_list(data, start, count, width, signed, /) -> list[int]\n\n"
"The ``count`` little-endian integers of ``width`` bytes (2, 4 or 8; two's complement when ``signed``) at\n"
"``start`` of the buffer ``data``, as a new list. ValueError if the buffer does not hold them there.");

static PyObject *
int_list(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "int_list takes 5 arguments (data, start, count, width, signed)");
        return NULL;
    }
    Py_ssize_t start = PyNumber_AsSsize_t(args[1], PyExc_OverflowError);
    if (start == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t count = PyNumber_AsSsize_t(args[2], PyExc_OverflowError);
    if (count == -1 && PyErr_Occurred()) {
        return NULL;
    }
    long width = PyLong_AsLong(args[3]);
    if (width == -1 && PyErr_Occurred()) {
        return NULL;
    }
    int is_signed = PyObject_IsTrue(args[4]);
    if (is_signed < 0) {
        return NULL;
    }
    if (width != 2 && width != 4 && width != 8) {
        PyErr_SetString(PyExc_ValueError, "width must be 2, 4 or 8");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) != 0) {
        return NULL;
    }
    if (start < 0 || count < 0 || count > PY_SSIZE_T_MAX / width || start > view.len
        || view.len - start < count * width) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "the buffer does not hold that many items there");
        return NULL;
    }
    PyObject *list = PyList_New(count);
    if (list == NULL) {
        PyBuffer_Release(&view);
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)view.buf + start;
    int (*fill)(PyObject *, const unsigned char *, Py_ssize_t) =
        width == 2 ? (is_signed ? fill_i16 : fill_u16)
        : width == 4 ? (is_signed ? fill_i32 : fill_u32)
        : (is_signed ? fill_i64 : fill_u64);
    if (fill(list, p, count) != 0) {
        Py_DECREF(list); /* the items not set yet are NULL, which list_dealloc skips */
        PyBuffer_Release(&view);
        return NULL;
    }
    PyBuffer_Release(&view);
    return list;
}

static PyMethodDef methods[] = {
    {"int_list", (PyCFunction)(void (*)(void))int_list, METH_FASTCALL, int_list_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "soap._int_lists",
    "Integer arrays as lists that share one int object per 16-bit value (see soap/_int_lists.c).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__int_lists(void)
{
    return PyModule_Create(&module);
}
