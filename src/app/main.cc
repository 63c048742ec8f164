#include "app/command_line.h"

int main(int argc, char** argv) { return herald::app::RunCommandLine(argc, argv); }
