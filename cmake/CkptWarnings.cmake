# ckpt_set_warnings(target): the project's warning set, PRIVATE so consumers are
# unaffected; -Werror only when CKPT_WERROR is ON (CI turns it on).
function(ckpt_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
    -Wimplicit-fallthrough -Wno-missing-field-initializers)
  if(CKPT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
