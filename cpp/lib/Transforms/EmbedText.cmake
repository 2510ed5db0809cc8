# cmake -DINPUT=<file> -DNAME=<identifier> -DOUTPUT=<file.inc> -P EmbedText.cmake
# Writes INPUT's text as `static const char NAME[]`, a raw string literal,
# for inclusion in C++.
file(READ ${INPUT} text)
file(WRITE ${OUTPUT} "static const char ${NAME}[] = R\"mlir(${text})mlir\";\n")
