# expect: CDN101:high
class Calc:
    def __init__(self):
        self.evaluate = eval


calc = Calc()
print(calc.evaluate(input("expr> ")))
