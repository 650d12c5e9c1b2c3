/*
 * Fast path for large pools (protocol §1 and §4), optional: every function here has a pure
 * Python equivalent in pools.py / tickets.py, and the tests check that both agree.
 *
 * The input is a frozen pool: lines "ID\tSTRATUM\n" in byte order. scan_into() gives, per
 * line, the 19-digit ticket prefix key (see tickets.py), the stratum's index and where the ID
 * sits in the buffer (numpy sorts them: fast.py); quoted_ids_into() and quoted_lines_into()
 * write the JSON arrays of the record without creating a Python string per candidate. Each
 * releases the GIL for its loop.
 *
 * SHA-256 comes from OpenSSL's libcrypto (the library Python's hashlib uses) through its EVP
 * interface, and for the tickets from the CPU's SHA instructions where it has them
 * (_sha256_block.h).
 *
 * Safe on any input: every buffer used without the GIL is a Py_buffer view held until the
 * work is done (never a pointer borrowed from an object another thread could change), every
 * row, offset and length read from one is checked against the buffer it points into as it is
 * read, and output that would not fit is refused. scripts/asan runs the tests and a fuzz test
 * (tests/rules/draw/test_fastpool_fuzz.py) against a build with AddressSanitizer.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_sha256_block.h"

typedef unsigned __int128 u128;
static const uint64_t MOD19 = 10000000000000000000ULL; /* 10^19 */

/* (hi * 2^64 + lo) mod 10^19, for hi < 10^19, by multiplication with a precomputed inverse
 * instead of a hardware division (Möller and Granlund, "Improved division by invariant
 * integers", 2011, algorithm 4; 10^19 > 2^63 is already normalised). Four of these per ticket
 * were most of the scan's time with the division instruction. */
static uint64_t MOD19_INVERSE;  /* floor((2^128 - 1) / 10^19) - 2^64, set at import */

static inline uint64_t mod19_wide(uint64_t hi, uint64_t lo) {
    u128 q = (u128)MOD19_INVERSE * hi + (((u128)(hi + 1) << 64) | lo);
    uint64_t q1 = (uint64_t)(q >> 64), q0 = (uint64_t)q;
    uint64_t r = lo - q1 * MOD19;
    if (r > q0) r += MOD19;
    if (r >= MOD19) r -= MOD19;
    return r;
}

/* Four decimal digits, reversed: REV4[1000a + 100b + 10c + d] = 1000d + 100c + 10b + a. */
static uint16_t REV4[10000];

/* The 10 digits of v < 10^10, reversed, as an integer: three parts of v reversed by the
 * table, each found from v directly (the CPU works on them side by side; digit by digit,
 * each division waited for the one before, and the scan spent a third of its time here). */
static inline uint64_t reversed10(uint64_t v) {
    uint64_t top = v / 100000000, middle = v / 10000 - top * 10000, low = v % 10000;
    return REV4[low] * 1000000ULL + REV4[middle] * 100ULL + REV4[top] / 100;
}

/* The 9 digits of v < 10^9, reversed. */
static inline uint64_t reversed9(uint64_t v) {
    uint64_t top = v / 100000000, middle = v / 10000 - top * 10000, low = v % 10000;
    return REV4[low] * 100000ULL + REV4[middle] * 10ULL + top;
}

/* The first 19 digits of reversed(decimal(N)) as an integer, N = the 256-bit digest:
 * r = N mod 10^19 read backwards. */
static inline uint64_t prefix_key(const unsigned char digest[32]) {
    uint64_t r = 0;
    for (int limb = 0; limb < 4; limb++) {
        uint64_t v;
        memcpy(&v, digest + limb * 8, 8);
        r = mod19_wide(r, __builtin_bswap64(v));
    }
    return reversed10(r % 10000000000ULL) * 1000000000ULL + reversed9(r / 10000000000ULL);
}

/* Where a ticket's hash starts: SHA-256 after the 64 bytes of SHA256_hex(seed), kept as an
 * EVP context that has hashed them (copied for each ticket OpenSSL hashes), and as the
 * midstate the SHA instructions start from. `scratch` is the context each such ticket is
 * hashed in. */
typedef struct {
    EVP_MD_CTX *ctx, *scratch;
    int sha_ni;  /* whether this scan uses the SHA instructions (then `mid` is set) */
#ifdef TICKET_SHA_NI
    sha_state mid;
#endif
} ticket_base;

static int sha_ni_passed = 0;  /* set at import: the CPU has them and they agree with OpenSSL */

static void ticket_base_free(ticket_base *base) {
    EVP_MD_CTX_free(base->ctx);
    EVP_MD_CTX_free(base->scratch);
    base->ctx = base->scratch = NULL;
}

/* 0, or -1 when OpenSSL fails (out of memory). With `sha_ni`, the SHA instructions hash the
 * tickets whose ID fits one block (when the CPU has them: see choose_ticket_hash). */
static int ticket_base_init(ticket_base *base, const char prefix[64], int sha_ni) {
    base->ctx = EVP_MD_CTX_new();
    base->scratch = EVP_MD_CTX_new();
    base->sha_ni = 0;
    if (!base->ctx || !base->scratch || !EVP_DigestInit_ex(base->ctx, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(base->ctx, prefix, 64)) {
        ticket_base_free(base);
        return -1;
    }
#ifdef TICKET_SHA_NI
    if (sha_ni) {
        base->mid = sha_midstate((const unsigned char *)prefix);
        base->sha_ni = 1;
    }
#else
    (void)sha_ni;
#endif
    return 0;
}

/* SHA-256 of the prefix followed by `id` through OpenSSL: 0, or -1 when it fails. */
static int openssl_ticket(const ticket_base *base, const char *id, Py_ssize_t len,
                          unsigned char digest[32]) {
    return EVP_MD_CTX_copy_ex(base->scratch, base->ctx) &&
           EVP_DigestUpdate(base->scratch, id, (size_t)len) &&
           EVP_DigestFinal_ex(base->scratch, digest, NULL) ? 0 : -1;
}

/* SHA-256 of the seed's prefix followed by each of `count` IDs, into digests[32 * i]: 0, or
 * -1 when OpenSSL fails. */
static int ticket_digests(const ticket_base *base, const char *const *ids,
                          const Py_ssize_t *lens, int count, unsigned char *digests) {
    int i = 0;
#ifdef TICKET_SHA_NI
    if (base->sha_ni) {
        unsigned char blocks[64 * TICKET_LANES], out[32 * TICKET_LANES];
        int lane_of[TICKET_LANES], lanes = 0;
        for (; i <= count; i++) {
            if (i < count && lens[i] <= 55) {  /* the ID and its padding fit one block */
                unsigned char *block = blocks + 64 * lanes;
                memset(block, 0, 64);
                memcpy(block, ids[i], lens[i]);
                block[lens[i]] = 0x80;
                uint64_t bits = (uint64_t)(64 + lens[i]) * 8;
                for (int b = 0; b < 8; b++) block[63 - b] = (unsigned char)(bits >> (8 * b));
                lane_of[lanes++] = i;
            } else if (i < count) {  /* a long ID: OpenSSL */
                if (openssl_ticket(base, ids[i], lens[i], digests + 32 * i) < 0) return -1;
            }
            if (lanes == TICKET_LANES || (i == count && lanes)) {
                sha_final_blocks(base->mid, blocks, out);  /* unused lanes: last round's data */
                for (int x = 0; x < lanes; x++) memcpy(digests + 32 * lane_of[x], out + 32 * x, 32);
                lanes = 0;
            }
        }
        return 0;
    }
#endif
    for (; i < count; i++)
        if (openssl_ticket(base, ids[i], lens[i], digests + 32 * i) < 0) return -1;
    return 0;
}

/* Compares the SHA instructions with OpenSSL on IDs of every length they take. */
static void choose_ticket_hash(void) {
#ifdef TICKET_SHA_NI
    if (!cpu_has_sha()) return;
    char prefix[64], id[56];
    for (int i = 0; i < 64; i++) prefix[i] = "0123456789abcdef"[(i * 7 + 3) % 16];
    for (int i = 0; i < 56; i++) id[i] = (char)('0' + (i * 13) % 43);
    ticket_base base;
    if (ticket_base_init(&base, prefix, 1) < 0) return;
    int agree = 1;
    for (Py_ssize_t len = 0; len <= 55 && agree; len++) {
        unsigned char fast_digest[32], reference[32];
        const char *ids[1] = {id};
        agree = ticket_digests(&base, ids, &len, 1, fast_digest) == 0 &&
                openssl_ticket(&base, id, len, reference) == 0 &&
                memcmp(fast_digest, reference, 32) == 0;
    }
    ticket_base_free(&base);
    sha_ni_passed = agree;
#endif
}

/* Index of the first byte where a and b differ, or m. */
static inline Py_ssize_t first_difference(const char *a, const char *b, Py_ssize_t m) {
    Py_ssize_t i = 0;
    for (; i + 8 <= m; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) return i + __builtin_ctzll(x ^ y) / 8;  /* little-endian: lowest byte first */
    }
    while (i < m && a[i] == b[i]) i++;
    return i;
}

/* 0 when `line` (its ID `id_len` bytes long) may follow `prev` (its ID `prev_id_len`) in a
 * frozen pool (§1): 1 when it does not sort after it, 2 when it repeats its ID (sorted lines
 * put one ID's lines side by side, so a repeated ID is a neighbour). */
static inline int line_follows(const char *prev, Py_ssize_t prev_len, Py_ssize_t prev_id_len,
                               const char *line, Py_ssize_t line_len, Py_ssize_t id_len) {
    Py_ssize_t m = prev_len < line_len ? prev_len : line_len;
    Py_ssize_t d = first_difference(prev, line, m);
    if (d == m ? prev_len >= line_len : (unsigned char)prev[d] > (unsigned char)line[d]) return 1;
    if (prev_id_len == id_len && d >= id_len) return 2;
    return 0;
}

/* The tab and the line feed of the line at p (avail bytes left): 0, or -1 without a line
 * feed. Short lines (all real IDs) are found with two 16-byte compares. */
static inline int find_line(const char *p, Py_ssize_t avail, Py_ssize_t *tab, Py_ssize_t *nl) {
#if defined(__SSE2__)
    if (avail >= 32) {
        __m128i a = _mm_loadu_si128((const __m128i *)p), b = _mm_loadu_si128((const __m128i *)(p + 16));
        __m128i t = _mm_set1_epi8('\t'), f = _mm_set1_epi8('\n');
        uint32_t feeds = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, f)) |
                         (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, f)) << 16;
        if (feeds) {
            *nl = __builtin_ctz(feeds);
            uint32_t tabs = ((uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, t)) |
                             (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, t)) << 16) &
                            ((1u << *nl) - 1);
            *tab = tabs ? __builtin_ctz(tabs) : -1;
            return 0;
        }
    }
#endif
    const char *feed = memchr(p, '\n', avail);
    if (!feed) return -1;
    *nl = feed - p;
    const char *t = memchr(p, '\t', *nl);
    *tab = t ? t - p : -1;
    return 0;
}

/* The work of scan_into() on plain C data, run without the GIL so that callers can scan parts of
 * a pool in parallel threads: exactly n lines filling the buffer. Returns 0, or the 1-based
 * line of the first bad line (negated when its stratum is unknown). With check_order, also
 * that each line sorts after the one before (protocol §1): a pool read out of order is never
 * drawn silently; *unsorted then says why (1: out of order, 2: a repeated ID), or 3 when
 * OpenSSL failed. */
static Py_ssize_t scan_lines(const char *data, Py_ssize_t len, Py_ssize_t n,
                             const ticket_base *base, const char *const *labels,
                             const Py_ssize_t *label_lens, Py_ssize_t nlabels, uint64_t *k,
                             unsigned char *c, uint64_t *s, uint16_t *l, uint64_t offset,
                             int check_order, int *unsorted) {
    enum { BATCH = 16 };  /* lines parsed, then hashed together */
    Py_ssize_t pos = 0, prev = -1, prev_len = 0, prev_id = 0;
    const char *ids[BATCH];
    Py_ssize_t id_lens[BATCH];
    unsigned char digests[32 * BATCH];
    for (Py_ssize_t first = 0; first < n; first += BATCH) {
        int count = n - first < BATCH ? (int)(n - first) : BATCH;
        for (int b = 0; b < count; b++) {
            Py_ssize_t row = first + b, tab, nl;
            const char *line = data + pos;
            if (pos >= len || find_line(line, len - pos, &tab, &nl) < 0 || tab < 0 ||
                tab > 65535)
                return row + 1;
            Py_ssize_t line_len = nl + 1;
            if (check_order && prev >= 0) {
                int order = line_follows(data + prev, prev_len, prev_id, line, line_len, tab);
                if (order) { *unsorted = order; return row + 1; }
            }
            prev = pos; prev_len = line_len; prev_id = tab;
            ids[b] = line;
            id_lens[b] = tab;
            s[row] = (uint64_t)pos + offset;
            l[row] = (uint16_t)tab;
            Py_ssize_t slen = nl - tab - 1, code = -1;
            const char *label = line + tab + 1;
            for (Py_ssize_t j = 0; j < nlabels; j++) {
                if (label_lens[j] == slen && (slen == 0 || labels[j][0] == label[0]) &&
                    memcmp(labels[j], label, slen) == 0) { code = j; break; }
            }
            if (code < 0) return -(row + 1);
            c[row] = (unsigned char)code;
            pos += line_len;
        }
        if (ticket_digests(base, ids, id_lens, count, digests) < 0) {
            *unsorted = 3;  /* OpenSSL failed */
            return first + 1;
        }
        for (int b = 0; b < count; b++) k[first + b] = prefix_key(digests + 32 * b);
    }
    return pos == len ? 0 : n + 1;
}

/* Whether tickets are hashed with the CPU's SHA instructions (scan_into's `sha` allows them):
 * the CPU has them and they passed the self-test at import. */
static PyObject *sha_instructions(PyObject *self, PyObject *args) {
    return PyBool_FromLong(sha_ni_passed);
}

/* A C-contiguous, aligned array of integers of `obj` into `view`: `kind` is 'Q' (uint64),
 * 'q' (int64), 'H' (uint16) or 'B' (uint8); writable when asked. 0, or -1 with TypeError
 * naming `name` (a wrong dtype is refused, not read as bytes). */
static int get_array(PyObject *obj, Py_buffer *view, const char *name, char kind, int writable) {
    if (PyObject_GetBuffer(obj, view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS |
                                          (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    Py_ssize_t size = kind == 'B' ? 1 : kind == 'H' ? 2 : 8;
    const char *f = view->format ? view->format : "B", *allowed;
#if PY_LITTLE_ENDIAN
    if (*f == '@' || *f == '=' || *f == '<') f++;
#else
    if (*f == '@' || *f == '=' || *f == '>' || *f == '!') f++;
#endif
    allowed = kind == 'Q' ? "QL" : kind == 'q' ? "ql" : kind == 'H' ? "H" : "B";
    if (f[0] && !f[1] && strchr(allowed, f[0]) && view->itemsize == size &&
        view->len % size == 0 && (uintptr_t)view->buf % (uintptr_t)size == 0)
        return 0;
    PyErr_Format(PyExc_TypeError, "%s must be a contiguous, aligned array of %s", name,
                 kind == 'Q' ? "uint64" : kind == 'q' ? "int64" : kind == 'H' ? "uint16" : "uint8");
    PyBuffer_Release(view);
    return -1;
}

/* Per line of one part of a pool: the ticket key, the stratum's index and where the ID
 * sits, written into the caller's arrays (numpy slices of the whole pool's), offsets
 * shifted by `offset`: the parts of a large pool are scanned in threads straight into
 * place, with nothing to join afterwards. With `sha` false, every ticket is hashed by
 * OpenSSL (the SHA instructions are used only when true and the CPU has them). Returns None. */
static PyObject *scan_into(PyObject *self, PyObject *args) {
    Py_buffer buf = {0}, prefix = {0}, keys = {0}, codes = {0}, starts = {0}, lens = {0};
    Py_buffer label_views[255];
    PyObject *labels, *okeys, *ocodes, *ostarts, *olens, *result = NULL;
    int check_order, sha = 1;
    unsigned long long offset;
    if (!PyArg_ParseTuple(args, "y*y*O!pOOOOK|p", &buf, &prefix, &PyTuple_Type, &labels,
                          &check_order, &okeys, &ocodes, &ostarts, &olens, &offset, &sha))
        return NULL;
    Py_ssize_t nlabels = PyTuple_GET_SIZE(labels), nviews = 0, n = 0;
    const char *label_ptr[255];
    Py_ssize_t label_len[255];
    const char *data = buf.buf;
    ticket_base base = {0};
    if (prefix.len != 64 || nlabels > 255) {
        PyErr_SetString(PyExc_ValueError, "a 64-byte seed prefix and at most 255 strata");
        goto done;
    }
    if (get_array(okeys, &keys, "keys", 'Q', 1) < 0) goto done;
    if (get_array(ocodes, &codes, "codes", 'B', 1) < 0) goto done;
    if (get_array(ostarts, &starts, "starts", 'Q', 1) < 0) goto done;
    if (get_array(olens, &lens, "lens", 'H', 1) < 0) goto done;
    for (; nviews < nlabels; nviews++) {
        PyObject *label = PyTuple_GET_ITEM(labels, nviews);
        if (!PyBytes_Check(label)) {
            PyErr_SetString(PyExc_TypeError, "labels are bytes");
            goto done;
        }
        if (PyObject_GetBuffer(label, &label_views[nviews], PyBUF_SIMPLE) < 0) goto done;
        label_ptr[nviews] = label_views[nviews].buf;
        label_len[nviews] = label_views[nviews].len;
    }
    if (buf.len && data[buf.len - 1] != '\n') {
        PyErr_SetString(PyExc_ValueError, "the pool must end with a line feed");
        goto done;
    }
    n = keys.len / 8;  /* the caller counted the lines; scan_lines() checks they fill buf */
    if (codes.len != n || starts.len != n * 8 || lens.len != n * 2) {
        PyErr_SetString(PyExc_ValueError, "output arrays differ in length");
        goto done;
    }
    if (ticket_base_init(&base, prefix.buf, sha && sha_ni_passed) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t bad;
    int unsorted = 0;
    Py_BEGIN_ALLOW_THREADS
    bad = scan_lines(data, buf.len, n, &base, label_ptr, label_len, nlabels, keys.buf, codes.buf,
                     starts.buf, lens.buf, (uint64_t)offset, check_order, &unsorted);
    Py_END_ALLOW_THREADS
    if (unsorted == 3)
        PyErr_SetString(PyExc_MemoryError, "OpenSSL could not hash a ticket");
    else if (unsorted == 2)
        PyErr_Format(PyExc_ValueError, "line %zd repeats the ID of the line before", bad);
    else if (unsorted)
        PyErr_Format(PyExc_ValueError, "line %zd is not in byte order after the one before", bad);
    else if (bad > 0)
        PyErr_Format(PyExc_ValueError, "line %zd is not ID<TAB>STRATUM", bad);
    else if (bad < 0)
        PyErr_Format(PyExc_ValueError, "line %zd has an unknown stratum", -bad);
    else
        result = Py_NewRef(Py_None);
done:
    ticket_base_free(&base);
    while (nviews > 0) PyBuffer_Release(&label_views[--nviews]);
    PyBuffer_Release(&buf); PyBuffer_Release(&prefix); PyBuffer_Release(&keys);
    PyBuffer_Release(&codes); PyBuffer_Release(&starts); PyBuffer_Release(&lens);
    return result;
}

/* Asks the kernel for 2 MB pages under a large buffer about to be written: the draw reads
 * its IDs in random order, and with 4 kB pages each read also misses the TLB. Numpy does
 * the same for its large arrays. */
static void huge_pages(void *start, Py_ssize_t len) {
#ifdef MADV_HUGEPAGE
    uintptr_t page = 2 << 20, from = ((uintptr_t)start + page - 1) & ~(page - 1);
    uintptr_t to = ((uintptr_t)start + len) & ~(page - 1);
    if (to > from) madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
    (void)start; (void)len;
#endif
}

/* JSON array body "ID1","ID2",… of the IDs at `order` (int64 row numbers), written into
 * `out`; returns its length, or -1 when it does not fit, -2 for a row outside the pool, -3 for
 * an ID outside the buffer. IDs are plain ASCII (统一社会信用代码 or X-<number>), so no
 * escaping is needed. The rows are in draw order, so each ID is a random read of the pool: the
 * loop asks for the ones a few rows ahead before it needs them (a prefetch never faults). Each
 * row, offset and length is read once and checked before it is used: another thread may
 * write into these arrays while this runs without the GIL. */
static Py_ssize_t write_ids(const char *b, Py_ssize_t blen, const uint64_t *s, const uint16_t *l,
                            Py_ssize_t rows, const int64_t *o, Py_ssize_t n, char *w,
                            Py_ssize_t cap, Py_ssize_t line_len, Py_ssize_t id_len) {
    enum { AHEAD = 16 };
    char *start = w, *end = w + cap;
    if (line_len > 0) {  /* lines of one length: row r's ID is at r * line_len, one read */
        if (n && id_len + 3 > cap / n) return -1;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (i + AHEAD < n)  /* integer arithmetic: the row is not checked yet */
                __builtin_prefetch((const void *)((uintptr_t)b +
                                                  (uintptr_t)o[i + AHEAD] * (uintptr_t)line_len));
            int64_t r = o[i];
            if (r < 0 || r >= rows) return -2;
            if (i) *w++ = ',';
            *w++ = '"';
            memcpy(w, b + r * line_len, id_len);
            w += id_len;
            *w++ = '"';
        }
        return w - start;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        /* each row read once into a local: another thread may change it between reads */
        uint64_t far = i + 2 * AHEAD < n ? (uint64_t)o[i + 2 * AHEAD] : (uint64_t)rows;
        uint64_t near = i + AHEAD < n ? (uint64_t)o[i + AHEAD] : (uint64_t)rows;
        if (far < (uint64_t)rows) {
            __builtin_prefetch(s + far);
            __builtin_prefetch(l + far);
        }
        if (near < (uint64_t)rows)  /* integer arithmetic: the start is not checked yet */
            __builtin_prefetch((const void *)((uintptr_t)b + (uintptr_t)s[near]));
        int64_t r = o[i];
        if (r < 0 || r >= rows) return -2;
        uint64_t at = s[r];
        Py_ssize_t len = l[r];
        if (at > (uint64_t)blen || len > blen - (Py_ssize_t)at) return -3;
        if (end - w < len + 3) return -1;
        if (i) *w++ = ',';
        *w++ = '"';
        memcpy(w, b + at, len);
        w += len;
        *w++ = '"';
    }
    return w - start;
}

static PyObject *quoted_ids_into(PyObject *self, PyObject *args) {
    Py_buffer buf = {0}, starts = {0}, lens = {0}, order = {0}, out = {0};
    PyObject *ostarts, *olens, *oorder, *result = NULL;
    Py_ssize_t line_len = 0, id_len = 0, written = 0;
    if (!PyArg_ParseTuple(args, "y*OOOw*|nn", &buf, &ostarts, &olens, &oorder, &out, &line_len,
                          &id_len))
        return NULL;
    if (get_array(ostarts, &starts, "starts", 'Q', 0) < 0 ||
        get_array(olens, &lens, "lens", 'H', 0) < 0 ||
        get_array(oorder, &order, "order", 'q', 0) < 0)
        goto done;
    /* with lines of one length, the pool's rows are its length over theirs (the caller
     * may have let go of starts and lens) */
    Py_ssize_t n = order.len / 8, rows = line_len > 0 ? buf.len / line_len : starts.len / 8;
    if (line_len < 0 || id_len < 0 ||
        (line_len > 0 && (rows * line_len != buf.len || id_len >= line_len))) {
        PyErr_SetString(PyExc_ValueError, "the lines are not all of that length");
        goto done;
    }
    if (line_len == 0 && lens.len / 2 != rows) {
        PyErr_SetString(PyExc_ValueError, "one start and one length per row");
        goto done;
    }
    if (n && !rows) {
        PyErr_SetString(PyExc_IndexError, "row out of range");
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    written = n ? write_ids(buf.buf, buf.len, starts.buf, lens.buf, rows, order.buf, n, out.buf,
                            out.len, line_len, id_len) : 0;
    Py_END_ALLOW_THREADS
    if (written == -1)
        PyErr_SetString(PyExc_ValueError, "the output buffer is too small");
    else if (written == -2)
        PyErr_SetString(PyExc_IndexError, "row out of range");
    else if (written == -3)
        PyErr_SetString(PyExc_ValueError, "an ID's start and length are outside the pool");
    else
        result = PyLong_FromSsize_t(written);
done:
    PyBuffer_Release(&buf); PyBuffer_Release(&starts); PyBuffer_Release(&lens);
    PyBuffer_Release(&order); PyBuffer_Release(&out);
    return result;
}

/* JSON array body of pool lines without their LF, "ID\tS","ID\tS",…, written into `out`;
 * returns its length, or -1 when it does not fit. Every tab is escaped. */
static Py_ssize_t write_lines(const char *d, Py_ssize_t len, char *w, Py_ssize_t cap) {
    char *start = w, *end = w + cap;
    Py_ssize_t pos = 0;
    while (pos < len) {
        Py_ssize_t tab = -1, nl;
        if (find_line(d + pos, len - pos, &tab, &nl) < 0) {  /* the last line, without LF */
            nl = len - pos;
            const char *t = memchr(d + pos, '\t', nl);
            tab = t ? t - (d + pos) : -1;
        }
        if (tab < 0) tab = nl;
        /* the ID, then the rest with its tabs escaped: at most twice its length */
        if (end - w < nl + (nl - tab) + 3) return -1;
        if (w != start) *w++ = ',';
        *w++ = '"';
        memcpy(w, d + pos, tab);
        w += tab;
        for (Py_ssize_t i = pos + tab; i < pos + nl; i++) {
            if (d[i] == '\t') { *w++ = '\\'; *w++ = 't'; }
            else *w++ = d[i];
        }
        *w++ = '"';
        pos += nl + 1;
    }
    return w - start;
}

static PyObject *quoted_lines_into(PyObject *self, PyObject *args) {
    Py_buffer buf, out;
    if (!PyArg_ParseTuple(args, "y*w*", &buf, &out)) return NULL;
    Py_ssize_t written;
    Py_BEGIN_ALLOW_THREADS
    written = write_lines(buf.buf, buf.len, out.buf, out.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf); PyBuffer_Release(&out);
    if (written < 0) {
        PyErr_SetString(PyExc_ValueError, "the output buffer is too small");
        return NULL;
    }
    return PyLong_FromSsize_t(written);
}

/* The 1-based number of the first line of a pool that does not sort after the one before
 * or repeats its ID (protocol §1), or 0; negative for a line without a tab. No GIL. */
static PyObject *first_unsorted(PyObject *self, PyObject *args) {
    Py_buffer buf;
    if (!PyArg_ParseTuple(args, "y*", &buf)) return NULL;
    const char *data = buf.buf;
    Py_ssize_t len = buf.len, pos = 0, row = 0, bad = 0, prev = -1, prev_len = 0, prev_id = 0;
    Py_BEGIN_ALLOW_THREADS
    while (pos < len) {
        const char *line = data + pos;
        Py_ssize_t tab, nl;
        if (find_line(line, len - pos, &tab, &nl) < 0) {  /* the last line, without its LF */
            nl = len - pos - 1;
            const char *t = memchr(line, '\t', len - pos);
            tab = t ? t - line : -1;
        }
        Py_ssize_t line_len = nl + 1;
        row++;
        if (tab < 0) { bad = -row; break; }
        if (prev >= 0 && line_follows(data + prev, prev_len, prev_id, line, line_len, tab)) {
            bad = row;
            break;
        }
        prev = pos; prev_len = line_len; prev_id = tab;
        pos += line_len;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf);
    return PyLong_FromSsize_t(bad);
}

/* -- Reading large records (verify_file.py) ------------------------------------------------ */

/* Whether the JSON string body at p (64 bytes readable) is short and plain: its closing
 * quote within 32 bytes (*end: where), printable ASCII before it, and at most one
 * backslash (*slash: where, or -1), not checked further. Every pool line and ID is; the
 * callers take the byte-by-byte way for the others. */
static inline int short_plain(const char *p, int *end, int *slash) {
#if defined(__SSE2__)
    __m128i a = _mm_loadu_si128((const __m128i *)p), b = _mm_loadu_si128((const __m128i *)(p + 16));
#define MASK32(op, x) ((uint32_t)_mm_movemask_epi8(op(a, x)) | \
                       (uint32_t)_mm_movemask_epi8(op(b, x)) << 16)
    uint32_t quotes = MASK32(_mm_cmpeq_epi8, _mm_set1_epi8('"'));
    if (!quotes) return 0;
    *end = __builtin_ctz(quotes);
    uint32_t before = (1u << *end) - 1;
    /* signed compare: bytes of 0x80 and over count as below 0x20 */
    uint32_t bad = (MASK32(_mm_cmplt_epi8, _mm_set1_epi8(0x20)) |
                    MASK32(_mm_cmpeq_epi8, _mm_set1_epi8(0x7f))) & before;
    uint32_t slashes = MASK32(_mm_cmpeq_epi8, _mm_set1_epi8('\\')) & before;
#undef MASK32
    if (bad || (slashes & (slashes - 1))) return 0;
    *slash = slashes ? __builtin_ctz(slashes) : -1;
    return 1;
#else
    (void)p; (void)end; (void)slash;
    return 0;
#endif
}

/* Checks that a JSON array body ("a","b",…) holds only strings that canonical JSON writes
 * byte for byte as they are: printable ASCII without '"' and '\', and, with `tabs`, the
 * escape \t. Returns how many, or -1. */
static Py_ssize_t plain_strings(const char *s, Py_ssize_t len, int tabs) {
    Py_ssize_t n = 0, i = 0;
    while (i < len) {
        if (n && s[i++] != ',') return -1;
        if (i >= len || s[i++] != '"') return -1;
        int end, slash;
        if (len - i >= 64 && short_plain(s + i, &end, &slash)) {
            if (slash >= 0 && (!tabs || slash + 1 == end || s[i + slash + 1] != 't')) return -1;
            i += end + 1;
            n++;
            continue;
        }
        for (;;) {
            if (i >= len) return -1;
            unsigned char c = (unsigned char)s[i++];
            if (c == '"') break;
            if (c == '\\') {
                if (!tabs || i >= len || s[i] != 't') return -1;
                i++;
            } else if (c < 0x20 || c > 0x7e) {
                return -1;
            }
        }
        n++;
    }
    return n;
}

static PyObject *count_plain(PyObject *self, PyObject *args) {
    Py_buffer buf;
    int tabs;
    if (!PyArg_ParseTuple(args, "y*p", &buf, &tabs)) return NULL;
    Py_ssize_t n;
    Py_BEGIN_ALLOW_THREADS
    n = plain_strings(buf.buf, buf.len, tabs);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf);
    return PyLong_FromSsize_t(n);
}

/* unquote_lines() on plain C data: the lines written into w (room for len + 64 bytes: a
 * line never grows, and a move may write 32 bytes past its end), checked and converted in
 * one pass; their length, or -1 when the body is not plain strings with \\t escapes only. */
static Py_ssize_t unquoted(const char *s, Py_ssize_t len, char *w) {
    char *start = w;
    Py_ssize_t i = 0;
    while (i < len) {
        if (w != start && s[i++] != ',') return -1;
        if (i >= len || s[i++] != '"') return -1;
        int end, slash;
        if (len - i >= 64 && short_plain(s + i, &end, &slash)) {  /* moved 32 bytes at a time */
            memcpy(w, s + i, 32);
            if (slash < 0) {
                w += end;
            } else {
                if (slash + 1 == end || s[i + slash + 1] != 't') return -1;
                w += slash;
                *w++ = '\t';
                memcpy(w, s + i + slash + 2, 32);
                w += end - slash - 2;
            }
            *w++ = '\n';
            i += end + 1;
            continue;
        }
        for (;;) {
            if (i >= len) return -1;
            unsigned char c = (unsigned char)s[i++];
            if (c == '"') { *w++ = '\n'; break; }
            if (c == '\\') {
                if (i >= len || s[i] != 't') return -1;
                *w++ = '\t';
                i++;
            } else if (c < 0x20 || c > 0x7e) {
                return -1;
            } else {
                *w++ = (char)c;
            }
        }
    }
    return w - start;
}

/* The pool lines of a record's "lines" array body, as the pool buffer "ID\tS\n…" (the
 * inverse of quoted_lines), or None when the body is not in that plain form. One pass
 * (checking, then counting escapes, then converting took three: 0.54 s of 250 MB). */
static PyObject *unquote_lines(PyObject *self, PyObject *args) {
    Py_buffer buf;
    if (!PyArg_ParseTuple(args, "y*", &buf)) return NULL;
    PyObject *out = PyBytes_FromStringAndSize(NULL, buf.len + 64);  /* + room for a move */
    if (!out) { PyBuffer_Release(&buf); return NULL; }
    Py_ssize_t written;
    huge_pages(PyBytes_AS_STRING(out), buf.len);
    Py_BEGIN_ALLOW_THREADS
    written = unquoted(buf.buf, buf.len, PyBytes_AS_STRING(out));
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&buf);
    if (written < 0) { Py_DECREF(out); Py_RETURN_NONE; }
    if (_PyBytes_Resize(&out, written) < 0) return NULL;
    return out;
}

static PyMethodDef methods[] = {
    {"scan_into", scan_into, METH_VARARGS,
     "keys, strata and ID positions of a part of a pool, into given arrays; no GIL"},
    {"quoted_ids_into", quoted_ids_into, METH_VARARGS,
     "JSON array body of IDs in a given order, into a buffer: its length; no GIL"},
    {"quoted_lines_into", quoted_lines_into, METH_VARARGS,
     "JSON array body of pool lines, into a buffer: its length; no GIL"},
    {"sha_instructions", sha_instructions, METH_NOARGS,
     "whether scan_into may hash tickets with the CPU's SHA instructions"},
    {"first_unsorted", first_unsorted, METH_VARARGS,
     "first pool line out of byte order or repeating an ID, or 0; releases the GIL"},
    {"count_plain", count_plain, METH_VARARGS,
     "number of plain ASCII strings in a JSON array body, or -1"},
    {"unquote_lines", unquote_lines, METH_VARARGS,
     "pool buffer from a plain JSON array body of lines, or None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastpool", NULL, -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fastpool(void) {
    for (int d = 0; d < 10000; d++)
        REV4[d] = (uint16_t)(d % 10 * 1000 + d / 10 % 10 * 100 + d / 100 % 10 * 10 + d / 1000);
    MOD19_INVERSE = (uint64_t)(((((u128)~MOD19) << 64) | UINT64_MAX) / MOD19);
    choose_ticket_hash();
    return PyModule_Create(&module);
}
