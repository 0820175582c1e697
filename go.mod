module github.com/streambench/streambench

go 1.26
