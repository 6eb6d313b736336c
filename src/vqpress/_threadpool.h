/* The thread pool every compiled kernel of vqpress shares.
 *
 * One pool per process, started lazily. A kernel hands it a task function and a number of
 * chunks; the calling thread and up to (limit - 1) pool threads pull chunk indices from a
 * shared atomic counter until none are left (dynamic scheduling), so a thread that the OS
 * deschedules holds up at most the chunk it is on, never a fixed share of the work.
 *
 * - Only one call uses the pool at a time. A call made while the pool is busy (from another
 *   Python thread, or from inside a task) runs all of its chunks on its own thread: no
 *   waiting, no oversubscription, no deadlock.
 * - A pool thread that finished a job spins for a short while (VQ_SPIN_NS, 0.1 ms) watching
 *   for the next one before it blocks on a condition variable, and so does the caller
 *   waiting for the last helper: kernels that post jobs back to back (one pass after
 *   another) start without a wake-up's delay, and an idle pool costs nothing.
 * - fork: the child starts with no pool threads (they do not exist there) and makes new ones
 *   on its first parallel call (POSIX pthread_atfork handlers keep the pool's lock
 *   consistent across the fork).
 * - The thread limit is process-wide (vqpress_set_num_threads, also found and set by
 *   threadpoolctl) and can be lowered for the calling thread alone (vq_set_local_limit).
 */
#ifndef VQPRESS_THREADPOOL_H
#define VQPRESS_THREADPOOL_H

#include <stddef.h>
#include <stdlib.h>

typedef void (*vq_task_fn)(void *ctx, Py_ssize_t chunk, int worker);

#define VQ_MAX_THREADS 256

#if defined(_WIN32)
#  include <windows.h>
#  include <process.h>
#  define VQ_EXPORT __declspec(dllexport)
#  define VQ_TLS __declspec(thread)
typedef SRWLOCK vq_mutex;
typedef CONDITION_VARIABLE vq_cond;
typedef HANDLE vq_thread;
#  define vq_mutex_init(m) InitializeSRWLock(m)
#  define vq_mutex_lock(m) AcquireSRWLockExclusive(m)
#  define vq_mutex_trylock(m) (TryAcquireSRWLockExclusive(m) ? 0 : 1)
#  define vq_mutex_unlock(m) ReleaseSRWLockExclusive(m)
#  define vq_cond_init(c) InitializeConditionVariable(c)
#  define vq_cond_wait(c, m) SleepConditionVariableSRW(c, m, INFINITE, 0)
#  define vq_cond_broadcast(c) WakeAllConditionVariable(c)
static LONG64 vq_fetch_add(volatile LONG64 *p) { return InterlockedIncrement64(p) - 1; }
typedef LONG64 vq_counter;
#  define vq_load(p) (*(volatile const long long *)(p))
#  define vq_store(p, v) (*(volatile long long *)(p) = (v))
#  define vq_pause() YieldProcessor()
static long long vq_now_ns(void) {
    static LARGE_INTEGER freq;
    LARGE_INTEGER t;
    if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t);
    return (long long)((double)t.QuadPart * 1e9 / (double)freq.QuadPart);
}
#else
#  include <pthread.h>
#  include <signal.h>
#  include <unistd.h>
#  define VQ_EXPORT __attribute__((visibility("default")))
#  define VQ_TLS __thread
typedef pthread_mutex_t vq_mutex;
typedef pthread_cond_t vq_cond;
typedef pthread_t vq_thread;
#  define vq_mutex_init(m) pthread_mutex_init(m, NULL)
#  define vq_mutex_lock(m) pthread_mutex_lock(m)
#  define vq_mutex_trylock(m) pthread_mutex_trylock(m)
#  define vq_mutex_unlock(m) pthread_mutex_unlock(m)
#  define vq_cond_init(c) pthread_cond_init(c, NULL)
#  define vq_cond_wait(c, m) pthread_cond_wait(c, m)
#  define vq_cond_broadcast(c) pthread_cond_broadcast(c)
typedef long long vq_counter;
static long long vq_fetch_add(volatile long long *p) { return __atomic_fetch_add(p, 1, __ATOMIC_RELAXED); }
#  include <time.h>
#  define vq_load(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#  define vq_store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#  if defined(__x86_64__) || defined(__i386__)
#    define vq_pause() __builtin_ia32_pause()
#  elif defined(__aarch64__) || defined(__arm__)
#    define vq_pause() __asm__ __volatile__("yield")
#  else
#    define vq_pause() ((void)0)
#  endif
static long long vq_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
#endif

/* How long a waiting thread watches for the next job (or the last helper) before it blocks. */
#define VQ_SPIN_NS 100000LL

/* Spin until *p != seen or VQ_SPIN_NS pass; returns whether it changed. */
static int vq_spin_while_equal(const long long *p, long long seen) {
    long long start = vq_now_ns();
    int i;
    for (;;) {
        for (i = 0; i < 64; i++) {
            if (vq_load(p) != seen) return 1;
            vq_pause();
        }
        if (vq_now_ns() - start > VQ_SPIN_NS) return vq_load(p) != seen;
    }
}

/* Spin until *p is 0 or VQ_SPIN_NS pass. */
static void vq_spin_while_positive(const long long *p) {
    long long start = vq_now_ns();
    int i;
    for (;;) {
        for (i = 0; i < 64; i++) {
            if (vq_load(p) <= 0) return;
            vq_pause();
        }
        if (vq_now_ns() - start > VQ_SPIN_NS) return;
    }
}

typedef struct {
    vq_mutex mu;          /* guards every field below but `next` */
    vq_mutex dispatch;    /* held by the one call that owns the pool */
    vq_cond work;         /* a job was posted (or shutdown) */
    vq_cond done;         /* the last helper left the job */
    int n_threads;        /* pool threads started (the caller is not one of them) */
    long long generation; /* number of jobs posted */
    /* the current job */
    vq_task_fn fn;
    void *ctx;
    Py_ssize_t n_chunks;
    volatile vq_counter next;
    int open_slots;       /* helpers that may still join */
    int joined;           /* helpers that joined (their worker ids are 1..joined) */
    long long running;    /* helpers inside the job */
    int closed;           /* the caller finished its share: late helpers stay out */
} vq_pool;

static vq_pool vq_the_pool;
static int vq_limit = 1;                 /* process-wide thread limit */
static VQ_TLS int vq_local_limit = 0;    /* this thread's own limit, 0: none */
static int vq_initialised = 0;

static void vq_pool_reset(void) {
    vq_pool *p = &vq_the_pool;
    vq_mutex_init(&p->mu);
    vq_mutex_init(&p->dispatch);
    vq_cond_init(&p->work);
    vq_cond_init(&p->done);
    p->n_threads = 0;
    p->generation = 0;
    p->fn = NULL;
    p->ctx = NULL;
    p->n_chunks = 0;
    p->next = 0;
    p->open_slots = 0;
    p->joined = 0;
    p->running = 0;
    p->closed = 1;
}

#if !defined(_WIN32)
static void vq_before_fork(void) { vq_mutex_lock(&vq_the_pool.mu); }
static void vq_after_fork_parent(void) { vq_mutex_unlock(&vq_the_pool.mu); }
/* The pool threads do not exist in the child: start afresh there. */
static void vq_after_fork_child(void) { vq_pool_reset(); }
#endif

static void vq_run_chunks(vq_task_fn fn, void *ctx, Py_ssize_t n_chunks, volatile vq_counter *next, int worker) {
    for (;;) {
        long long i = vq_fetch_add(next);
        if (i >= n_chunks) break;
        fn(ctx, (Py_ssize_t)i, worker);
    }
}

#if defined(_WIN32)
static unsigned __stdcall vq_worker_main(void *arg)
#else
static void *vq_worker_main(void *arg)
#endif
{
    vq_pool *p = &vq_the_pool;
    long long seen;
    (void)arg;
    vq_mutex_lock(&p->mu);
    /* started for a job that is open now: join it */
    seen = p->closed ? p->generation : p->generation - 1;
    for (;;) {
        if (p->generation == seen) {
            vq_mutex_unlock(&p->mu);
            vq_spin_while_equal(&p->generation, seen);
            vq_mutex_lock(&p->mu);
        }
        while (p->generation == seen) vq_cond_wait(&p->work, &p->mu);
        seen = p->generation;
        if (p->closed || p->open_slots <= 0) continue;
        p->open_slots--;
        vq_store(&p->running, p->running + 1);
        {
            int worker = ++p->joined;
            vq_task_fn fn = p->fn;
            void *ctx = p->ctx;
            Py_ssize_t n = p->n_chunks;
            vq_mutex_unlock(&p->mu);
            vq_run_chunks(fn, ctx, n, &p->next, worker);
            vq_mutex_lock(&p->mu);
        }
        vq_store(&p->running, p->running - 1);
        if (p->running == 0) vq_cond_broadcast(&p->done);
    }
#if defined(_WIN32)
    return 0;
#else
    return NULL;
#endif
}

/* Start pool threads until there are `want` (called with p->mu held). Returns how many
 * there are: fewer if the system refuses more. */
static int vq_grow(int want) {
    vq_pool *p = &vq_the_pool;
    while (p->n_threads < want) {
#if defined(_WIN32)
        uintptr_t h = _beginthreadex(NULL, 0, vq_worker_main, NULL, 0, NULL);
        if (h == 0) break;
        CloseHandle((HANDLE)h);
#else
        pthread_t t;
        pthread_attr_t attr;
        sigset_t all, old;
        int err;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        /* pool threads take no signals: Python handles them on the main thread */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        err = pthread_create(&t, &attr, vq_worker_main, NULL);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
        if (err) break;
#endif
        p->n_threads++;
    }
    return p->n_threads;
}

static void vq_init(int limit) {
    if (vq_initialised) return;
    vq_pool_reset();
#if !defined(_WIN32)
    pthread_atfork(vq_before_fork, vq_after_fork_parent, vq_after_fork_child);
#endif
    vq_limit = limit < 1 ? 1 : (limit > VQ_MAX_THREADS ? VQ_MAX_THREADS : limit);
    vq_initialised = 1;
}

/* Threads (the caller included) a call with `n_chunks` chunks may use now. */
static int vq_planned_workers(Py_ssize_t n_chunks) {
    int n = vq_limit;
    if (vq_local_limit > 0 && vq_local_limit < n) n = vq_local_limit;
    if ((Py_ssize_t)n > n_chunks) n = (int)(n_chunks > 0 ? n_chunks : 1);
    return n < 1 ? 1 : n;
}

/* Run fn(ctx, chunk, worker) for every chunk in 0..n_chunks-1, on at most `max_workers`
 * threads (the caller is worker 0, helpers 1..). Every worker id is below
 * vq_planned_workers(n_chunks) and below max_workers. Returns when every chunk is done. */
static void vq_parallel_for(vq_task_fn fn, void *ctx, Py_ssize_t n_chunks, int max_workers) {
    vq_pool *p = &vq_the_pool;
    volatile vq_counter next_serial = 0;
    int n = vq_planned_workers(n_chunks);
    if (max_workers > 0 && max_workers < n) n = max_workers;
    if (n_chunks <= 0) return;
    if (n <= 1 || !vq_initialised || vq_mutex_trylock(&p->dispatch) != 0) {
        vq_run_chunks(fn, ctx, n_chunks, &next_serial, 0);
        return;
    }
    vq_mutex_lock(&p->mu);
    n = 1 + (vq_grow(n - 1) < n - 1 ? p->n_threads : n - 1);
    p->fn = fn;
    p->ctx = ctx;
    p->n_chunks = n_chunks;
    p->next = 0;
    p->open_slots = n - 1;
    p->joined = 0;
    p->running = 0;
    p->closed = 0;
    vq_store(&p->generation, p->generation + 1);
    vq_cond_broadcast(&p->work);
    vq_mutex_unlock(&p->mu);

    vq_run_chunks(fn, ctx, n_chunks, &p->next, 0);

    vq_mutex_lock(&p->mu);
    p->closed = 1;
    if (p->running > 0) {  /* the helpers are finishing their last chunks: watch, then wait */
        vq_mutex_unlock(&p->mu);
        vq_spin_while_positive(&p->running);
        vq_mutex_lock(&p->mu);
    }
    while (p->running > 0) vq_cond_wait(&p->done, &p->mu);
    vq_mutex_unlock(&p->mu);
    vq_mutex_unlock(&p->dispatch);
}

/* For threadpoolctl and vqpress.set_num_threads: the process-wide limit. */
VQ_EXPORT int vqpress_get_num_threads(void) { return vq_limit; }
VQ_EXPORT void vqpress_set_num_threads(int n) {
    vq_limit = n < 1 ? 1 : (n > VQ_MAX_THREADS ? VQ_MAX_THREADS : n);
}
static int vq_get_local_limit(void) { return vq_local_limit; }
static void vq_set_local_limit(int n) { vq_local_limit = n < 0 ? 0 : n; }
static int vq_pool_threads(void) { return vq_the_pool.n_threads; }

#endif
