#pragma once
// S2S_MPI_CHECK(call): checks an MPI call's return code and reports the MPI error string.
#include <mpi.h>

#include "s2s/core/error.h"

#define S2S_MPI_CHECK(call)                                                       \
  do {                                                                            \
    int s2s_mpi_rc_ = (call);                                                     \
    if (s2s_mpi_rc_ != MPI_SUCCESS) {                                             \
      char s2s_mpi_msg_[MPI_MAX_ERROR_STRING];                                    \
      int s2s_mpi_len_ = 0;                                                       \
      MPI_Error_string(s2s_mpi_rc_, s2s_mpi_msg_, &s2s_mpi_len_);                 \
      ::s2s::detail::external_call_failed("MPI", #call,                           \
                                          std::string(s2s_mpi_msg_, s2s_mpi_len_), \
                                          __FILE__, __LINE__);                    \
    }                                                                             \
  } while (0)
