from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def inspector_list(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


def conflict_list(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")
