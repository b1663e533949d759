/* Loads a compiled artifact through the C API, runs it on inputs read from .npy files (or on
 * deterministic data), prints a summary of each output and writes it as .npy. Part of
 * examples/: a deployment in miniature; it links only the runtime library, no compiler, ONNX or
 * protobuf (tests/e2e checks both that and its numbers).
 *
 *   stitch compile model.onnx -o model.stitch
 *   run_artifact model.stitch [--threads N] [--output-dir DIR] [INPUT.npy]...
 *
 * Input files bind to the model's inputs in order; inputs without a file are filled with a
 * fixed pattern. Outputs go to DIR/output_<i>.npy (default DIR: the current directory). Only
 * C-order .npy files of the exact dtype and shape are accepted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stitch/stitch.h"

/* NumPy's spelling of a dtype; NULL when .npy has none (bfloat16). */
static const char* npy_descr(stitch_dtype t) {
  switch (t) {
    case STITCH_DTYPE_FLOAT32:
      return "<f4";
    case STITCH_DTYPE_FLOAT64:
      return "<f8";
    case STITCH_DTYPE_FLOAT16:
      return "<f2";
    case STITCH_DTYPE_INT8:
      return "|i1";
    case STITCH_DTYPE_UINT8:
      return "|u1";
    case STITCH_DTYPE_INT16:
      return "<i2";
    case STITCH_DTYPE_UINT16:
      return "<u2";
    case STITCH_DTYPE_INT32:
      return "<i4";
    case STITCH_DTYPE_UINT32:
      return "<u4";
    case STITCH_DTYPE_INT64:
      return "<i8";
    case STITCH_DTYPE_UINT64:
      return "<u8";
    case STITCH_DTYPE_BOOL:
      return "|b1";
    default:
      return NULL;
  }
}

/* "(1, 32)", "(10,)" or "()": how a .npy header writes a shape. */
static void npy_shape(const stitch_tensor_info* info, char* out, size_t size) {
  size_t n = (size_t)snprintf(out, size, "(");
  for (int32_t d = 0; d < info->rank && n < size; ++d) {
    n += (size_t)snprintf(out + n, size - n, d ? ", %lld" : "%lld", (long long)info->dims[d]);
  }
  if (n < size) snprintf(out + n, size - n, info->rank == 1 ? ",)" : ")");
}

/* Reads `path` into `data` (info->size_bytes bytes) after checking dtype, order and shape. */
static int read_npy(const char* path, const stitch_tensor_info* info, void* data) {
  FILE* f = fopen(path, "rb");
  unsigned char pre[10];
  char* header = NULL;
  int ok = 0;
  if (!f) return fprintf(stderr, "run_artifact: cannot open '%s'\n", path), 0;
  if (fread(pre, 1, 10, f) == 10 && memcmp(pre, "\x93NUMPY", 6) == 0) {
    size_t len = pre[8] | (size_t)pre[9] << 8;
    if (pre[6] >= 2) { /* versions 2 and 3: a 4-byte length, two more bytes to read */
      unsigned char more[2];
      if (fread(more, 1, 2, f) == 2) len |= (size_t)more[0] << 16 | (size_t)more[1] << 24;
    }
    header = calloc(len + 1, 1);
    if (header && fread(header, 1, len, f) == len) {
      char want_descr[32], want_shape[256];
      const char* descr = npy_descr(info->dtype);
      snprintf(want_descr, sizeof want_descr, "'descr': '%s'", descr ? descr : "?");
      npy_shape(info, want_shape, sizeof want_shape);
      const char* shape = strstr(header, "'shape': ");
      ok = strstr(header, want_descr) && strstr(header, "'fortran_order': False") && shape &&
           strncmp(shape + 9, want_shape, strlen(want_shape)) == 0;
      if (!ok) {
        fprintf(stderr, "run_artifact: '%s' is not a C-order %s%s array (header: %s)\n", path,
                stitch_dtype_name(info->dtype), want_shape, header);
      } else if (fread(data, 1, info->size_bytes, f) != info->size_bytes) {
        fprintf(stderr, "run_artifact: '%s' is truncated\n", path);
        ok = 0;
      }
    }
  }
  if (!header) fprintf(stderr, "run_artifact: '%s' is not a .npy file\n", path);
  free(header);
  fclose(f);
  return ok;
}

static int write_npy(const char* path, const stitch_tensor_info* info, const void* data) {
  const char* descr = npy_descr(info->dtype);
  char shape[256], header[512];
  FILE* f;
  if (!descr)
    return fprintf(stderr, "run_artifact: no .npy dtype for %s\n", stitch_dtype_name(info->dtype)),
           0;
  npy_shape(info, shape, sizeof shape);
  int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                   descr, shape);
  while ((10 + n + 1) % 64 != 0) header[n++] = ' '; /* pad so that the data is aligned */
  header[n++] = '\n';
  f = fopen(path, "wb");
  if (!f) return fprintf(stderr, "run_artifact: cannot create '%s'\n", path), 0;
  unsigned char pre[10] = {
      0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 0xff), (unsigned char)(n >> 8)};
  int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(header, 1, (size_t)n, f) == (size_t)n &&
           fwrite(data, 1, info->size_bytes, f) == info->size_bytes;
  return fclose(f) == 0 && ok;
}

/* A fixed pattern in [-1, 1) for floats, [0, 10) for integers, 0/1 for bools. */
static void fill_pattern(const stitch_tensor_info* info, void* data) {
  size_t elem = 1;
  for (int32_t d = 0; d < info->rank; ++d) elem *= (size_t)info->dims[d];
  for (size_t i = 0; i < elem; ++i) {
    double v = (double)((i * 37) % 64) / 32.0 - 1.0;
    switch (info->dtype) {
      case STITCH_DTYPE_FLOAT32:
        ((float*)data)[i] = (float)v;
        break;
      case STITCH_DTYPE_FLOAT64:
        ((double*)data)[i] = v;
        break;
      case STITCH_DTYPE_INT32:
        ((int32_t*)data)[i] = (int32_t)(i % 10);
        break;
      case STITCH_DTYPE_INT64:
        ((int64_t*)data)[i] = (int64_t)(i % 10);
        break;
      case STITCH_DTYPE_BOOL:
        ((unsigned char*)data)[i] = (unsigned char)(i % 2);
        break;
      default:
        memset(data, 0, info->size_bytes);
        return;
    }
  }
}

static void print_summary(size_t index, const stitch_tensor_info* info, const void* data) {
  char shape[256];
  npy_shape(info, shape, sizeof shape);
  printf("output_%zu '%s' %s%s", index, info->name, stitch_dtype_name(info->dtype), shape);
  if (info->dtype == STITCH_DTYPE_FLOAT32) {
    size_t n = info->size_bytes / sizeof(float);
    printf(":");
    for (size_t i = 0; i < n && i < 4; ++i) printf(" %.6g", ((const float*)data)[i]);
    if (n > 4) printf(" ...");
  }
  printf("\n");
}

int main(int argc, char** argv) {
  const char* artifact = NULL;
  const char* out_dir = ".";
  const char* files[64];
  size_t num_files = 0;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--output-dir") == 0 && i + 1 < argc) {
      out_dir = argv[++i];
    } else if (!artifact) {
      artifact = argv[i];
    } else if (num_files < 64) {
      files[num_files++] = argv[i];
    }
  }
  if (!artifact) {
    fprintf(stderr, "usage: run_artifact ARTIFACT [--threads N] [--output-dir DIR] [IN.npy]...\n");
    return 2;
  }

  stitch_model* model = NULL;
  if (stitch_model_load(artifact, threads, &model) != STITCH_OK) {
    fprintf(stderr, "run_artifact: %s\n", stitch_last_error());
    return 1;
  }
  size_t n_in = stitch_model_num_inputs(model), n_out = stitch_model_num_outputs(model);
  int status = 1;
  void** inputs = calloc(n_in ? n_in : 1, sizeof(void*));
  if (num_files > n_in) {
    fprintf(stderr, "run_artifact: %zu input files for %zu inputs\n", num_files, n_in);
    goto done;
  }
  for (size_t i = 0; i < n_in; ++i) {
    stitch_tensor_info info;
    stitch_model_input_info(model, i, &info);
    inputs[i] = malloc(info.size_bytes ? info.size_bytes : 1);
    if (!inputs[i]) goto done;
    if (i >= num_files) {
      fill_pattern(&info, inputs[i]);
    } else if (!read_npy(files[i], &info, inputs[i])) {
      goto done;
    }
  }
  if (stitch_model_run(model, (const void* const*)inputs, n_in) != STITCH_OK) {
    fprintf(stderr, "run_artifact: %s\n", stitch_last_error());
    goto done;
  }
  for (size_t i = 0; i < n_out; ++i) {
    stitch_tensor_info info;
    const void* data = NULL;
    char path[4096];
    /* The run's own shape: outputs whose shape depends on data know it only now. */
    stitch_model_last_output_info(model, i, &info);
    stitch_model_output_data(model, i, &data); /* owned by the model until the next run */
    print_summary(i, &info, data);
    snprintf(path, sizeof path, "%s/output_%zu.npy", out_dir, i);
    if (!write_npy(path, &info, data)) goto done;
  }
  status = 0;
done:
  for (size_t i = 0; i < n_in; ++i) free(inputs[i]);
  free(inputs);
  stitch_model_free(model);
  return status;
}
