/* mallinfo2.h: tests/c/util.c measures the heap with mallinfo2(), which
 * glibc added in 2.33; bullseye has 2.31. Forced into the C suite's
 * compilations in the bullseye root only (its cc wrapper, run.sh), it
 * defines mallinfo2 over mallinfo (int fields: exact below 2 GiB, which
 * the suite's heaps stay under). It includes no header, so that the
 * feature macros a source file defines first still take effect. Only the
 * test harness needs this, not libws. */
#ifndef LIBWS_LEGACY_MALLINFO2_H
#define LIBWS_LEGACY_MALLINFO2_H
struct mallinfo2 {
    __SIZE_TYPE__ arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
};
struct libws_legacy_mallinfo { /* glibc's struct mallinfo */
    int arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
};
extern struct libws_legacy_mallinfo libws_legacy_mallinfo(void) __asm__("mallinfo");
static inline struct mallinfo2 mallinfo2(void) {
    struct libws_legacy_mallinfo m = libws_legacy_mallinfo();
    struct mallinfo2 r = {(unsigned)m.arena, (unsigned)m.ordblks, (unsigned)m.smblks, (unsigned)m.hblks,
                          (unsigned)m.hblkhd, (unsigned)m.usmblks, (unsigned)m.fsmblks,
                          (unsigned)m.uordblks, (unsigned)m.fordblks, (unsigned)m.keepcost};
    return r;
}
#endif
