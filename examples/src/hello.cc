// A tiny C++ program: needs libstdc++.so.6 and libgcc_s.so.1 on any libc.
#include <iostream>
#include <string>

int main() {
    std::string s = "hello from C++";
    std::cout << s << std::endl;
    return 0;
}
