// Operator module
enum Placeholder {}
