#include "commands.h"
int main(void) { return 1; }
