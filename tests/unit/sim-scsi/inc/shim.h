/* Userspace stand-ins for the kernel APIs the SCSI target uses. */
#ifndef SHIM_H
#define SHIM_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <stdarg.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>

typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32; typedef uint64_t u64;
typedef int64_t s64; typedef unsigned int gfp_t;
#define U32_MAX ((u32)~0U)
#define U64_MAX ((u64)~0ULL)
#define KBUILD_MODNAME "hv_sim"
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min3(a, b, c) min(min(a, b), c)
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define container_of(p, t, m) ((t *)((char *)(p) - offsetof(t, m)))
#define cmpxchg(p, o, n) __sync_val_compare_and_swap(p, o, n)
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static inline bool is_power_of_2(unsigned long n) { return n && !(n & (n - 1)); }
#define ilog2(n) (63 - __builtin_clzll((unsigned long long)(n)))
#define ERR_PTR(e) ((void *)(long)(e))
#define PTR_ERR(p) ((long)(p))
#define IS_ERR(p) ((unsigned long)(p) >= (unsigned long)-4095)
static inline int scnprintf(char *b, size_t s, const char *f, ...)
{ va_list a; int n; if (!s) return 0; va_start(a, f); n = vsnprintf(b, s, f, a); va_end(a); return n >= (int)s ? (int)s - 1 : n; }

/* allocation failure injection */
extern int shim_fail_allocs;
static inline bool shim_alloc_fails(void) { if (shim_fail_allocs > 0) { shim_fail_allocs--; return true; } return false; }
#define GFP_KERNEL 1U
#define GFP_NOIO 2U
#define __GFP_RETRY_MAYFAIL 4U
#define __GFP_NOWARN 8U
static inline void *kmalloc(size_t n, gfp_t g) { (void)g; return shim_alloc_fails() ? NULL : malloc(n ? n : 1); }
static inline void *kzalloc(size_t n, gfp_t g) { (void)g; return shim_alloc_fails() ? NULL : calloc(1, n ? n : 1); }
static inline void *kcalloc(size_t n, size_t s, gfp_t g) { (void)g; return shim_alloc_fails() ? NULL : calloc(n ? n : 1, s); }
static inline void *kmalloc_array(size_t n, size_t s, gfp_t g) { return kmalloc(n * s, g); }
#define kvcalloc kcalloc
static inline void kfree(const void *p) { free((void *)p); }
#define kvfree kfree
static inline char *kstrdup(const char *s, gfp_t g) { (void)g; return shim_alloc_fails() ? NULL : strdup(s); }
static inline unsigned long get_zeroed_page(gfp_t g) { (void)g; return shim_alloc_fails() ? 0 : (unsigned long)calloc(1, 4096); }
static inline void free_page(unsigned long p) { free((void *)p); }
static inline unsigned int memalloc_noio_save(void) { return 0; }
static inline void memalloc_noio_restore(unsigned int f) { (void)f; }
static inline void cond_resched(void) { }
static inline void *memchr_inv(const void *s, int c, size_t n)
{ const u8 *p = s; size_t i; for (i = 0; i < n; i++) if (p[i] != (u8)c) return (void *)(p + i); return NULL; }

typedef struct { long long counter; } atomic64_t;
static inline long long atomic64_read(const atomic64_t *v) { return __atomic_load_n(&v->counter, __ATOMIC_SEQ_CST); }
static inline void atomic64_add(long long i, atomic64_t *v) { __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }
#define atomic64_inc(v) atomic64_add(1, v)
#define atomic64_dec(v) atomic64_add(-1, v)

struct kref { int refcount; };
static inline void kref_init(struct kref *k) { k->refcount = 1; }
static inline void kref_get(struct kref *k) { __atomic_add_fetch(&k->refcount, 1, __ATOMIC_SEQ_CST); }
static inline int kref_put(struct kref *k, void (*rel)(struct kref *))
{ if (!__atomic_sub_fetch(&k->refcount, 1, __ATOMIC_SEQ_CST)) { rel(k); return 1; } return 0; }

struct mutex { pthread_mutex_t m; int held; };
static inline void mutex_init(struct mutex *m) { pthread_mutex_init(&m->m, NULL); }
static inline void mutex_lock(struct mutex *m) { pthread_mutex_lock(&m->m); m->held = 1; }
static inline void mutex_unlock(struct mutex *m) { m->held = 0; pthread_mutex_unlock(&m->m); }
static inline void mutex_destroy(struct mutex *m) { pthread_mutex_destroy(&m->m); }
struct rw_semaphore { pthread_rwlock_t l; };
static inline void init_rwsem(struct rw_semaphore *s) { pthread_rwlock_init(&s->l, NULL); }
static inline void down_read(struct rw_semaphore *s) { pthread_rwlock_rdlock(&s->l); }
static inline void up_read(struct rw_semaphore *s) { pthread_rwlock_unlock(&s->l); }
static inline void down_write(struct rw_semaphore *s) { pthread_rwlock_wrlock(&s->l); }
static inline void up_write(struct rw_semaphore *s) { pthread_rwlock_unlock(&s->l); }
#endif
