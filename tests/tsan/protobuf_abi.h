// ThreadSanitizer builds only (-DTOKEND_SANITIZE=thread): force-included
// (-include) before every C++ unit by the top-level CMakeLists.txt, so the
// protobuf headers compiled into tokend agree with Debian's libprotobuf on
// the layout of google::protobuf::internal::MapFieldBase.
//
// protobuf 3.21's map_field.h adds two members (seq1_, seq2_, TSan-only
// checks of const/mutable access) to MapFieldBase when __SANITIZE_THREAD__
// is defined, i.e. in every unit built with -fsanitize=thread: 80 bytes
// instead of the 72 of Debian's libprotobuf, which is not built with TSan.
// Inline Map code compiled into tokend then reads the map's fields at the
// wrong offsets of a message laid out by the library (google.protobuf.Struct
// is one of the library's own messages): it crashed in
// Map::InnerMap::TableEntryIsNonEmptyList as soon as a Struct got a field,
// in tokend's claims (JsonToStruct) and in the test clients.
//
// Hiding the macro from map_field.h alone (its include guard keeps it from
// being read again) restores the library's layout; everything else, Abseil
// and gRPC included, still sees __SANITIZE_THREAD__. map_field.h is the only
// protobuf 3.21 header whose declarations depend on it (port_def.inc's
// PROTOBUF_TSAN is not used by any installed header).
#ifndef TOKEND_TESTS_TSAN_PROTOBUF_ABI_H_
#define TOKEND_TESTS_TSAN_PROTOBUF_ABI_H_

#ifdef __cplusplus
#pragma push_macro("__SANITIZE_THREAD__")
#undef __SANITIZE_THREAD__
#include "google/protobuf/map_field.h"
#pragma pop_macro("__SANITIZE_THREAD__")
#endif

#endif  // TOKEND_TESTS_TSAN_PROTOBUF_ABI_H_
