/* Benchmark driver: each benchmark prints its own figures. */
#include <stdio.h>

int main(void)
{
	printf("no benchmarks yet\n");
	return 0;
}
