// One libFuzzer target per reader, chosen at compile time by HL_FUZZ_READER (fuzz/CMakeLists.txt
// builds fuzz_context, fuzz_plaintext, fuzz_ciphertext, fuzz_public_key, fuzz_keyswitch_key,
// fuzz_evaluation_keys and fuzz_secret_key from this file).
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& ctx = fuzz::context();
  return fuzz::readOrRefuse(data, size, [&](std::istream& in) {
#if HL_FUZZ_READER == 1
    (void)ctx;
    hl::io::loadContext(in, fuzz::kLimits);
#elif HL_FUZZ_READER == 2
    hl::io::loadPlaintext(in, ctx);
#elif HL_FUZZ_READER == 3
    hl::io::loadCiphertext(in, ctx);
#elif HL_FUZZ_READER == 4
    hl::io::loadPublicKey(in, ctx);
#elif HL_FUZZ_READER == 5
    hl::io::loadKeySwitchKey(in, ctx);
#elif HL_FUZZ_READER == 6
    hl::io::loadEvaluationKeys(in, ctx);
#elif HL_FUZZ_READER == 7
    hl::io::loadSecretKey(in, ctx);
#else
#error "HL_FUZZ_READER must be 1..7"
#endif
  });
}
