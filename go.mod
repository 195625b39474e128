module sdgan

go 1.26
